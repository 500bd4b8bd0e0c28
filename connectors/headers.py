"""Header normalization shared by readers (to find the header row) and contract mapping."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def normalize_header(text: str) -> str:
    """Compare headers as a person would: width, case and spacing do not matter."""
    folded = unicodedata.normalize("NFKC", text).replace("\ufeff", "")
    return _SPACE.sub("", folded).casefold()
