"""Source contracts: how one department export maps onto the shared schemas.

A contract is a YAML file validated by `SourceContract`; onboarding a new export is
writing one. Contracts ship in the repository's `contracts/` folder, and a data home
may add or override them in `<home>/contracts/`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from enum import StrEnum
from functools import lru_cache
from itertools import combinations, product
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from schemas.classification import field_specs
from schemas.code_tables import code_table
from schemas.globs import globs_overlap
from schemas.registry import entity
from schemas.yes_no import FALSE_WORDS, TRUE_WORDS

IDENTIFIER = r"^[a-z][a-z0-9_]{0,62}$"
_SPACE = re.compile(r"\s+")


def normalize_header(text: str) -> str:
    """Compare headers as a person would: width, case and spacing do not matter."""
    folded = unicodedata.normalize("NFKC", text).replace("\ufeff", "")
    return _SPACE.sub("", folded).casefold()


REPO_CONTRACTS = Path(__file__).resolve().parent.parent / "contracts"
FORMS = Path(__file__).resolve().parent / "contract_forms.md"


class ExportMode(StrEnum):
    SNAPSHOT = "snapshot"
    DELTA = "delta"


class Flag(BaseModel):
    """A yes/no column that sets another field when it says yes: the code is added to a
    list field (several flag columns may feed one), or set on a coded field; without a
    code the target is a boolean field, set true or false. A no adds nothing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str = Field(description="The field the flag sets (e.g. `medical_equipment`).")
    code: str | None = Field(
        default=None,
        description="The code a yes stands for (e.g. `O2C`); omitted for a boolean field.",
    )


class ColumnMap(BaseModel):
    """One shared field, the headers it may appear under, and how to read its values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    aliases: tuple[str, ...] = Field(
        min_length=1,
        description="Headers the column may appear under; width, case and spaces do not matter.",
    )
    values: dict[str, str | None] | None = Field(
        default=None,
        description='Department value → code (e.g. 男: "1"); codes must be in the field\'s '
        "table. `null` maps a value to no value (e.g. 否: null), without a reason.",
    )
    date_formats: tuple[str, ...] | None = Field(
        default=None,
        description="strptime formats tried first (e.g. %Y年%m月%d日); `excel_serial` for serials.",
    )
    separator: str | None = Field(
        default=None, description="Splits a cell into a list (e.g. 、 for several conditions)."
    )
    in_item: bool = Field(
        default=False, description="The header is a key inside the `explode` list's items."
    )
    flag: Flag | None = Field(
        default=None,
        description="The column is a yes/no flag setting another field; its key then names "
        "the column, not a field (e.g. `home_oxygen`).",
    )


class Explode(BaseModel):
    """A nested list (JSON) that becomes one row per item, e.g. an incident's persons."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    aliases: tuple[str, ...] = Field(min_length=1, description="Names of the nested list.")
    mention_id: str = Field(description="Field that receives `<record id>#<position>`.")


class RowCountBounds(BaseModel):
    """How many rows a file may have: relative to the last snapshot, or absolute for deltas."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_ratio: float | None = Field(
        default=None, gt=0, le=1, description="Snapshot: at least this share of the last one."
    )
    max_ratio: float | None = Field(
        default=None, ge=1, description="Snapshot: at most this multiple of the last one."
    )
    min_rows: int | None = Field(default=None, ge=0, description="Delta: at least this many rows.")
    max_rows: int | None = Field(default=None, ge=1, description="Delta: at most this many rows.")


ENV_NAME = r"^[A-Z_][A-Z0-9_]{0,127}$"
CRON = r"^\S+( \S+){4}$"


class IncrementalCursor(BaseModel):
    """The column that says what changed since the last extract, and how ties are broken."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str = Field(
        min_length=1,
        description="Database column that only grows: `updated_at` or an increasing id. "
        "Rows where it is NULL are never read (each extract reports how many there are).",
    )
    tie_breaker: str | None = Field(
        default=None,
        min_length=1,
        description="Database column ordering rows with the same cursor value; default: "
        "the column that maps to `record_id`.",
    )


class DatabaseSource(BaseModel):
    """A table or query in a department's database, read incrementally through SQLAlchemy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url_env: str | None = Field(
        default=None,
        description="Environment variable holding the SQLAlchemy URL (with its password), "
        "e.g. `CAUSEWAY_HEALTH_DB`; a contract never holds a password.",
    )
    url: str | None = Field(
        default=None,
        description="A SQLAlchemy URL without a password (a socket, `.pgpass` or SQLite); "
        "one with a password is refused: use `url_env`.",
    )
    table: str | None = Field(
        default=None,
        min_length=1,
        description="Table or view, optionally schema-qualified (`health.residents`); "
        "quoted, so any name is taken literally.",
    )
    query: str | None = Field(
        default=None,
        min_length=1,
        description="A SELECT read as a subquery instead of a table; written by the data "
        "engineer, never built from data.",
    )
    cursor: IncrementalCursor = Field(description="How the next extract knows where to resume.")
    batch_size: int = Field(
        default=50_000,
        ge=1,
        le=1_000_000,
        description="Rows per batch; each batch is one transaction and one audit row.",
    )
    schedule: str = Field(
        default="0 * * * *",
        pattern=CRON,
        description="Cron schedule of the Dagster extract (default: hourly).",
    )

    @model_validator(mode="after")
    def _check(self) -> DatabaseSource:
        if (self.url_env is None) == (self.url is None):
            raise ValueError("a database source needs exactly one of `url_env` or `url`")
        if self.url_env is not None and not re.match(ENV_NAME, self.url_env):
            raise ValueError(
                "`url_env` is the NAME of an environment variable (e.g. CAUSEWAY_HEALTH_DB) "
                "that holds the URL; never write the URL or its password in a contract"
            )
        if self.url is not None:
            _refuse_password(self.url)
        if (self.table is None) == (self.query is None):
            raise ValueError("a database source reads exactly one of `table` or `query`")
        return self

    @property
    def relation(self) -> str:
        """How logs and audit rows name what is read."""
        return self.table or "query"


def _refuse_password(url: str) -> None:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(f"`url` is not a SQLAlchemy URL: {exc}") from None
    if parsed.password is not None or "password" in {k.lower() for k in parsed.query}:
        raise ValueError(
            "`url` holds a password: put the URL in an environment variable and name it "
            "in `url_env` instead"
        )


class SourceContract(BaseModel):
    """The declarative description of one department export."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # Set by load_contracts: the folder it came from, later folders first. A site's own
    # contract reads a file that one of the repository's demo contracts would also match.
    _precedence: int = PrivateAttr(default=0)

    source: str = Field(pattern=IDENTIFIER, description="Name of the export; its staging table.")
    department: str = Field(
        pattern=IDENTIFIER, description="Its ingest folder, ingest/<department>/."
    )
    description: str = Field(description="What the export holds, for the Dagster UI and docs.")
    entities: tuple[str, ...] = Field(
        min_length=1, description="Shared entities whose fields the columns map to."
    )
    file_patterns: tuple[str, ...] = Field(
        default=(),
        description="File-name globs (case-insensitive) this contract reads; a file source "
        "needs at least one.",
    )
    database: DatabaseSource | None = Field(
        default=None, description="Read from a database instead of files (no `file_patterns`)."
    )
    mode: ExportMode = Field(
        description="`snapshot`: each file is the full register; `delta`: changed records only."
    )
    record_id: str = Field(description="Field holding the department's own key for a record.")
    explode: Explode | None = Field(
        default=None, description="A nested JSON list read as one row per item."
    )
    columns: dict[str, ColumnMap] = Field(
        min_length=1, description="Shared field → how the export writes it."
    )
    required: tuple[str, ...] = Field(
        default=(), description="Fields a row must have; a file without the column is rejected."
    )
    sheets: tuple[str, ...] | None = Field(
        default=None,
        min_length=1,
        description="Worksheets to read, by name exactly as Excel shows it; default: every "
        "sheet whose header matches the contract (the others are named in the receipt).",
    )
    row_count: RowCountBounds | None = Field(
        default=None, description="Bounds on a file's rows, for the quality gate."
    )
    phone_area_code: str | None = Field(
        default=None,
        pattern=r"^0[0-9]{2,3}$",
        description="Area code added to local landline numbers written without one.",
    )

    @model_validator(mode="after")
    def _check(self) -> SourceContract:
        if self.database is None and not self.file_patterns:
            raise ValueError("a file source needs `file_patterns` (or declare a `database`)")
        if self.database is not None and self.file_patterns:
            raise ValueError("a database source reads no files: remove `file_patterns`")
        if self.database is not None and self.sheets is not None:
            raise ValueError("`sheets` names worksheets; a database source has none")
        if self.database is not None and self.explode is not None:
            raise ValueError("`explode` reads nested JSON files; a database source has none")
        fields = self.target_fields()
        unknown = sorted(n for n, c in self.columns.items() if n not in fields and not c.flag)
        if unknown:
            raise ValueError(f"columns map to fields not in {list(self.entities)}: {unknown}")
        for name in (self.record_id, *self.required):
            if name not in fields or name not in self.columns:
                raise ValueError(f"field {name!r} is required but no column maps to it")
        self._check_flags()
        if self.explode and self.explode.mention_id not in fields:
            raise ValueError(f"explode.mention_id {self.explode.mention_id!r} is not a field")
        self._check_aliases()
        self._check_value_maps(fields)
        return self

    def _check_aliases(self) -> None:
        seen: dict[str, str] = {}
        for name, col in self.columns.items():
            for alias in col.aliases:
                key = normalize_header(alias)
                if key in seen:
                    raise ValueError(f"header alias {alias!r} maps to {seen[key]} and {name}")
                seen[key] = name

    def _check_flags(self) -> None:
        specs = {s.name: s for e in self.entities for s in field_specs(entity(e))}
        for name, col in self.columns.items():
            flag = col.flag
            if flag is None:
                continue
            if name in specs:
                raise ValueError(f"flag column {name!r} is named as a field: give it its own name")
            if col.values is not None or col.separator or col.date_formats:
                raise ValueError(f"flag column {name!r} reads yes or no: no values or formats")
            spec = specs.get(flag.field)
            if spec is None:
                raise ValueError(f"flag {name!r}: {flag.field!r} is not a field of {self.entities}")
            if spec.codes is None and (spec.sql_type != "BOOLEAN" or flag.code is not None):
                raise ValueError(f"flag {name!r}: {flag.field!r} takes no code; use a boolean")
            if spec.codes is not None and flag.code not in code_table(spec.codes).values:
                raise ValueError(
                    f"flag {name!r}: code {flag.code!r} is not in table {spec.codes!r} "
                    f"(one of {code_table(spec.codes).values})"
                )

    def flags(self) -> dict[str, ColumnMap]:
        """The columns declared as flags of another field, by column name."""
        return {n: c for n, c in self.columns.items() if c.flag is not None}

    def _check_value_maps(self, fields: dict[str, str | None]) -> None:
        for name, col in self.columns.items():
            table = fields.get(name)
            if col.values and table:
                allowed = {*code_table(table).values, None}
                bad = sorted({str(v) for v in col.values.values() if v not in allowed})
                if bad:
                    raise ValueError(f"{name}: values {bad} are not codes of table {table!r}")

    def target_fields(self) -> dict[str, str | None]:
        """Every field of the contract's entities, with the code table it takes."""
        out: dict[str, str | None] = {}
        for name in self.entities:
            for spec in field_specs(entity(name)):
                out.setdefault(spec.name, spec.codes)
        return out

    @property
    def staging_table(self) -> str:
        return f"staging.{self.source}"


class ContractError(ValueError):
    """A contract file that cannot be used, with the file named in the message."""


def load_contract(path: Path) -> SourceContract:
    """The contract in `path`, parsed once per version of the file: every stage asks for
    the contracts, many times a run, and parsing YAML costs more than the stage's SQL."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise ContractError(f"contract {path}: {exc}") from exc
    version = (str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    return _parsed_contract(version).model_copy(deep=True)


@lru_cache(maxsize=256)
def _parsed_contract(version: tuple[str, int, int, int]) -> SourceContract:
    path = Path(version[0])
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return SourceContract.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ContractError(f"contract {path}: {exc}") from exc


def load_contracts(folders: Iterable[Path] = (REPO_CONTRACTS,)) -> dict[str, SourceContract]:
    """Contracts by source name; a later folder overrides an earlier one's source, and its
    contracts take precedence for a file that contracts of both folders match (a site's
    `*户籍*.csv` over the repository's demo patterns). Raises ContractError when two
    contracts of one folder and department could read the same file."""
    found: dict[str, tuple[SourceContract, Path]] = {}
    for precedence, folder in enumerate(folders):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.yaml")):
            contract = load_contract(path)
            contract._precedence = precedence
            found[contract.source] = (contract, path)
    _refuse_overlaps(list(found.values()))
    return {source: contract for source, (contract, _) in found.items()}


def precedence(contract: SourceContract) -> int:
    """Higher reads first: a site's contracts before the repository's."""
    return contract._precedence


def _refuse_overlaps(contracts: list[tuple[SourceContract, Path]]) -> None:
    """Which of two contracts of one folder reads a file both patterns match would depend
    on the order they are tried, so such a pair is refused, naming both (see
    schemas/globs.py). Across folders the later folder's contract reads it."""
    for (first, first_path), (second, second_path) in combinations(contracts, 2):
        if first.department != second.department or precedence(first) != precedence(second):
            continue
        for a, b in product(first.file_patterns, second.file_patterns):
            if globs_overlap(a, b):
                raise ContractError(
                    f"contracts {first.source} ({first_path}) and {second.source} "
                    f"({second_path}) could both read a file of department "
                    f"{first.department!r}: {a!r} and {b!r} match one name; make their "
                    "file_patterns disjoint"
                )


def render_contract_reference() -> str:
    """Markdown reference of every contract key, from the model, after the column forms
    with examples (schemas/contract_forms.md): `docs/contracts.md`."""
    spelled = {
        w: ", ".join(f"`{x}`" for x in words)
        for w, words in (("yes", TRUE_WORDS), ("no", FALSE_WORDS))
    }
    forms = FORMS.read_text(encoding="utf-8")
    lines = [
        "# Source contract reference",
        "",
        "Generated from `schemas/contracts.py` and `schemas/contract_forms.md` by "
        "`make dictionary`; do not edit by hand.",
        "A contract is one YAML file in `contracts/` or `<home>/contracts/`.",
        "",
        forms.replace("{yes}", spelled["yes"]).replace("{no}", spelled["no"]),
    ]
    for model in (
        SourceContract,
        ColumnMap,
        Flag,
        Explode,
        RowCountBounds,
        DatabaseSource,
        IncrementalCursor,
    ):
        lines += [
            f"## `{model.__name__}`",
            "",
            (model.__doc__ or "").strip(),
            "",
            "| Key | Required | Meaning |",
            "|---|---|---|",
        ]
        for name, info in model.model_fields.items():
            required = "yes" if info.is_required() else "no"
            lines.append(f"| `{name}` | {required} | {info.description or ''} |")
        lines.append("")
    return "\n".join(lines)
