"""The data home: where ingest folders, the archive, the warehouse and secrets live.

`CAUSEWAY_HOME` (default `./data`) or `--home` chooses it; every path Causeway writes
is derived here, so no other module spells a folder name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from connectors.modes import (
    OWNER_ONLY_DIR,
    OWNER_ONLY_FILE,
    SHARED_DIR,
    is_link,
    private_dir,
    write_private,
)
from schemas.contracts import REPO_CONTRACTS, SourceContract, load_contracts

__all__ = ["OWNER_ONLY_DIR", "OWNER_ONLY_FILE", "Home"]

HOME_ENV = "CAUSEWAY_HOME"
DEFAULT_HOME = Path("data")
REPO_DAGSTER_YAML = Path(__file__).resolve().parent.parent / "dagster.yaml"
# Another instance configuration for a deployment (deploy/dagster/: PostgreSQL storage,
# the Docker or Kubernetes run launcher), installed in the home instead of the repository's.
DAGSTER_YAML_ENV = "CAUSEWAY_DAGSTER_YAML"


# Under work/: a file's folder (its ID), a reprocessed file's copy, a rebuild's warehouse;
# and DuckDB's spill folder, whose files a run killed while spilling leaves behind.
REPROCESS_PREFIX = "reprocess-"
REBUILD = "rebuild"
SPILL = "spill"
IN_PROGRESS_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload", ".download", ".swp")


def in_progress(name: str) -> bool:
    """Names that copy tools and editors give a file while it is still being written."""
    return name.startswith((".", "~$")) or name.lower().endswith(IN_PROGRESS_SUFFIXES)


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def resolve(cls, home: Path | str | None = None) -> Home:
        """The home given, else `$CAUSEWAY_HOME`, else `./data`; always absolute."""
        chosen = home if home is not None else os.environ.get(HOME_ENV) or DEFAULT_HOME
        return cls(Path(chosen).expanduser().resolve())

    @property
    def ingest(self) -> Path:
        return self.root / "ingest"

    def ingest_dir(self, department: str) -> Path:
        return self.ingest / department

    def receipts_dir(self, department: str) -> Path:
        return self.ingest_dir(department) / "receipts"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def rejected(self) -> Path:
        return self.root / "rejected"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def writer_lock(self) -> Path:
        return self.root / "warehouse.lock"

    @property
    def status_snapshot(self) -> Path:
        """What readers show while a run holds the warehouse."""
        return self.root / "status.json"

    @property
    def analytics(self) -> Path:
        return self.root / "analytics.duckdb"

    def analytics_draft(self, pid: int) -> Path:
        """Where process `pid` builds the analytics file before swapping it in."""
        return self.root / f".{self.analytics.name}.{pid}.tmp"

    @property
    def outreach(self) -> Path:
        """The grid workers' list: masked names and contacts located to the unit, kept
        owner-only beside the warehouse and never published (docs/security.md)."""
        return self.root / "outreach.duckdb"

    def outreach_draft(self, pid: int) -> Path:
        return self.root / f".{self.outreach.name}.{pid}.tmp"

    @property
    def lake(self) -> Path:
        """The shared warehouse's data files and SQLite catalog when the site names no other
        place for them (warehouse/lake/config.py)."""
        return self.root / "lake"

    @property
    def lake_state(self) -> Path:
        """Which commit of the shared warehouse this home's warehouse file is in step with."""
        return self.root / "lake_state.json"

    def discarded_warehouse(self, stamp: str) -> Path:
        """Where `causeway lake pull --discard-local` keeps the warehouse it replaced."""
        return self.root / f"warehouse.discarded-{stamp}.duckdb"

    @property
    def disclosure_file(self) -> Path:
        """Site overrides of the disclosure rules (schemas/disclosure.yaml): k, threshold."""
        return self.root / "disclosure.yaml"

    @property
    def work(self) -> Path:
        """Scratch space of the run holding the writer lock: one folder per file it loads."""
        return self.root / "work"

    @property
    def readers(self) -> Path:
        """Where each source reads its files apart from the warehouse (per_source readers):
        one folder per source, held by that source's own lock, not the writer's."""
        return self.root / "readers"

    def reader_dir(self, source: str) -> Path:
        return self.readers / source

    def reader_lock(self, source: str) -> Path:
        return self.readers / f"{source}.lock"

    @property
    def spill(self) -> Path:
        """DuckDB's temporary directory: what does not fit the memory budget."""
        return self.work / SPILL

    @property
    def rebuild_work(self) -> Path:
        """Where a rebuild builds the warehouse that replaces the current one."""
        return self.work / REBUILD

    def reprocess_work(self, file_id: str) -> Path:
        """Where the archived copy of a file is reprocessed from."""
        return self.work / f"{REPROCESS_PREFIX}{file_id}"

    def leftovers(self) -> list[Path]:
        """Scratch files and folders that exist only while a run holds the writer lock: found
        while the lock is free, a killed run left them (drafts with DuckDB's WAL beside,
        everything under work/, DuckDB's spill files; the spill folder itself stays)."""
        drafts = [
            *self.root.glob(f".{self.analytics.name}.*.tmp*"),
            *self.root.glob(f".{self.outreach.name}.*.tmp*"),
        ]
        work = [p for p in _entries(self.work) if p != self.spill]
        return sorted([*drafts, *work, *_entries(self.spill)])

    @property
    def docs(self) -> Path:
        return self.root / "docs"

    @property
    def quality_docs(self) -> Path:
        """Great Expectations suites, validation results and the Data Docs site."""
        return self.docs / "quality"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def secrets(self) -> Path:
        return self.root / "secrets"

    @property
    def dagster(self) -> Path:
        return self.root / "dagster"

    @property
    def contracts_dir(self) -> Path:
        """Site-specific contracts that add to or override the repository's."""
        return self.root / "contracts"

    @property
    def limits_file(self) -> Path:
        """Site overrides of the per-file resource limits (connectors/limits.yaml)."""
        return self.root / "limits.yaml"

    @property
    def demo_truth(self) -> Path:
        return self.root / "demo_truth"

    def contracts(self) -> dict[str, SourceContract]:
        return load_contracts([REPO_CONTRACTS, self.contracts_dir])

    def departments(self) -> list[str]:
        return sorted({c.department for c in self.contracts().values()})

    def ensure(self) -> Home:
        """Create the layout: every folder owner-only but the two analysts and clerks pass
        through (docs/file_modes.md). Folders that exist keep their mode, except those that
        hold personal data or run state, which are made owner-only again each time."""
        for folder in (self.root, self.ingest):  # shared: the way to analytics.duckdb, ingest/*
            if not folder.exists():
                folder.mkdir(parents=True, exist_ok=True)
                folder.chmod(SHARED_DIR)
        # Personal data at rest outside the warehouse: archived and rejected exports, Data
        # Docs (they show examples of failing values), work and spill files, keys, linking
        # models (term frequencies of names), Dagster's run logs; and the site's contracts.
        for folder in (
            self.secrets,
            self.archive,
            self.rejected,
            self.docs,
            self.work,
            self.models,
            self.dagster,
            self.contracts_dir,
        ):
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(OWNER_ONLY_DIR)
        private_dir(self.spill)
        for department in self.departments():
            if self.folder_refusal(department) is None:
                private_dir(self.ingest_dir(department))
                private_dir(self.receipts_dir(department))
        self._install_dagster_yaml()
        return self

    def _install_dagster_yaml(self) -> None:
        """The instance reads `dagster.yaml` from DAGSTER_HOME; keep it the repository's, or
        the one `CAUSEWAY_DAGSTER_YAML` names."""
        target = self.dagster / "dagster.yaml"
        source = Path(os.environ.get(DAGSTER_YAML_ENV) or REPO_DAGSTER_YAML).read_bytes()
        if not target.is_file() or target.read_bytes() != source:
            write_private(target, source)

    def folder_refusal(self, department: str) -> str | None:
        """Why a department's files are not taken: its ingest or receipts folder is a
        symbolic link, and the pipeline would read, move and write files wherever it points
        (outside the home). They stay untouched until the folder is a real one."""
        for folder in (self.ingest_dir(department), self.receipts_dir(department)):
            if is_link(folder):
                return (
                    f"{folder.relative_to(self.root)} is a symbolic link, not a folder: its "
                    "files were not read or moved; replace it with a real folder"
                )
        return None

    def refused_folders(self) -> dict[str, str]:
        """Every department whose folders are refused, with the reason (`folder_refusal`)."""
        return {d: why for d in self.departments() if (why := self.folder_refusal(d))}

    def pending_files(self, department: str) -> list[Path]:
        """Files waiting in a department's ingest folder (receipts and hidden files aside);
        none in a refused folder (`refused_folders`)."""
        folder = self.ingest_dir(department)
        if not folder.is_dir() or self.folder_refusal(department):
            return []
        return sorted(
            p
            for p in folder.iterdir()
            if (p.is_file() or p.is_symlink()) and not in_progress(p.name)
        )


def _entries(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
