"""The linking settings file, validated: thresholds, sampling, registers, survivorship
(the comparisons and blocking rules are comparisons.yaml: warehouse/linking/comparisons.py)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

SETTINGS_FILE = Path(__file__).with_name("linking.yaml")
# Each golden field of core.person and the column of a person's mentions (`m`) or places
# (`p`) it is chosen from (warehouse/linking/golden.py); linking.yaml gives each a rule.
GOLDEN_COLUMNS = {
    "name": "m.name",
    "sex": "m.sex",
    "birth_date": "m.birth_date",
    "phone": "m.phone",
    "dwelling": "p.dwelling_id",
}
GOLDEN_FIELDS = tuple(GOLDEN_COLUMNS)


class GoldenRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: Literal["most_common", "most_recent"]
    prefer_id_holders: bool = False
    roles: tuple[str, ...] | None = None
    trust: tuple[str, ...] | None = None


class RegisterRule(BaseModel):
    """Sources that list each person once, and what a row they leave over is worth."""

    model_config = ConfigDict(extra="forbid")

    repeat_share: float = Field(ge=0, lt=1)
    min_id_numbers: int = Field(gt=0)
    weight: float = Field(ge=0)


class ReviewRule(BaseModel):
    """What goes to the clerical review queue (warehouse/linking/review.py)."""

    model_config = ConfigDict(extra="forbid")

    band: tuple[float, float]
    queue_limit: int = Field(gt=0)
    reviewers_required: int = Field(default=1, ge=1)
    # A full relink whose new model disagrees with more than this share of the reviewers'
    # labels says so (warehouse/linking/labels.py).
    label_disagreement: float = Field(default=0.1, ge=0, le=1)

    def model_post_init(self, _context: object) -> None:
        low, high = self.band
        if not 0 < low < high <= 1:
            raise ValueError(f"review band must be 0 < low < high <= 1, not {self.band}")


ENGINES = ("duckdb", "spark")
DUCKDB_SIZE = r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$"


class SparkSettings(BaseModel):
    """Where Spark scores the pairs: a master URL (`local[2]` on this machine, a cluster's
    `spark://…` or `yarn`), overridden by `CAUSEWAY_SPARK_MASTER`; `SPARK_REMOTE` (Spark
    Connect) replaces the master altogether (warehouse/linking/spark.py)."""

    model_config = ConfigDict(extra="forbid")

    master: str = "local[2]"
    shuffle_partitions: int = Field(default=4, gt=0)
    driver_memory: str = "2g"


class LinkSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    engine: Literal["duckdb", "spark"] = "duckdb"
    # The warehouse connection's memory budget while it links (DuckDB size), above the
    # 1 GB a load keeps to: gathering every mention with its previous link outgrew 1 GB
    # at 500k residents (benchmarks/bench_scale.py).
    memory_limit: str = Field(default="4GB", pattern=DUCKDB_SIZE)
    # Splink's own DuckDB (training and scoring): a 10k batch against 3.2M records (1M
    # residents) outgrew 1 GB.
    splink_memory_limit: str = Field(default="3GB", pattern=DUCKDB_SIZE)
    spark: SparkSettings = SparkSettings()
    match_threshold: float = Field(gt=0, lt=1)
    u_max_pairs: int = Field(gt=0)
    u_seed: int
    u_min_id_holders: int = Field(gt=1)
    prior_recall: float = Field(gt=0, le=1)
    registers: RegisterRule
    review: ReviewRule
    since_fields: tuple[str, ...] = ()
    trust: tuple[str, ...]
    golden: dict[str, GoldenRule]

    def model_post_init(self, _context: object) -> None:
        missing = set(GOLDEN_FIELDS) - set(self.golden)
        unknown = set(self.golden) - set(GOLDEN_FIELDS)
        if missing or unknown:
            raise ValueError(
                f"golden rules must cover exactly {', '.join(GOLDEN_FIELDS)}"
                f" (missing: {sorted(missing)}, unknown: {sorted(unknown)})"
            )


@cache
def load_settings(path: Path = SETTINGS_FILE) -> LinkSettings:
    return LinkSettings.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
