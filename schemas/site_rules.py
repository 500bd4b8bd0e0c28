"""Rules shipped as YAML in the repository, with a data home's own file over them.

Limits, disclosure rules and the like are data: the repository's defaults hold every key,
and a site overrides some of them in a file of the same shape in its home.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def load_site_rules(
    model: type[M], defaults: Path, site: Path | None, error: type[Exception], what: str
) -> M:
    """`defaults` with the keys of `site` over them, validated; `error` names the file."""
    values = yaml.safe_load(defaults.read_text(encoding="utf-8"))
    if site is not None and site.is_file():
        try:
            values |= yaml.safe_load(site.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, TypeError) as exc:
            raise error(f"{what} {site}: {exc}") from exc
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise error(f"{what} {site or defaults}: {exc}") from exc
