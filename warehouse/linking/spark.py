"""Splink on Spark: the candidate pairs scored on a Spark cluster (or `local[2]` here)
with the same comparisons, blocking rules and trained parameters as on DuckDB.

The model is trained on DuckDB (warehouse/linking/model.py); only its values cross to
Spark (`parameters`: the prior and each level's m and u), never Splink's saved JSON,
whose SQL is DuckDB's. Spark's own settings are built from comparisons.yaml in Spark's
dialect (Splink translates the conditions with sqlglot) and take those values. The
mentions go to Spark as Parquet, the scored pairs come back as Parquet, and the edges,
clusters and IDs are made in DuckDB as on the default engine.

`SPARK_REMOTE` (Spark Connect, `sc://host:15002`) uses a running Spark server;
otherwise `CAUSEWAY_SPARK_MASTER`, else linking.yaml's `spark.master`, names where the
driver's jobs go. Nothing is fetched: pyspark's wheel carries Spark, and Splink's wheel
the jar of its similarity functions.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from warehouse.db import quote
from warehouse.linking.model import parameters, settings_creator, with_parameters
from warehouse.linking.settings import SparkSettings

MASTER_ENV = "CAUSEWAY_SPARK_MASTER"
REMOTE_ENV = "SPARK_REMOTE"
DIALECT = "spark"
LOG_CONFIG = Path(__file__).with_name("spark-log4j2.properties")


@contextmanager
def spark_session(settings: SparkSettings, spill: Path) -> Iterator[Any]:
    """A Spark session for one link run, its scratch under `spill`, stopped after."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    scratch = spill / f"spark-{uuid.uuid4().hex[:8]}"
    scratch.mkdir(parents=True)
    builder = SparkSession.builder.appName("causeway-link")
    remote = os.environ.get(REMOTE_ENV)
    if remote:
        builder = builder.remote(remote)
    else:
        # The driver listens on loopback only (it finds no other address to prefer).
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = (
            builder.master(os.environ.get(MASTER_ENV) or settings.master)
            .config("spark.jars", similarity_jar_location())
            .config("spark.driver.memory", settings.driver_memory)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.local.dir", str(scratch / "local"))
            .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
            .config(
                "spark.driver.extraJavaOptions",
                f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}",
            )
        )
    spark = (
        builder.config("spark.sql.shuffle.partitions", str(settings.shuffle_partitions))
        .config("spark.default.parallelism", str(settings.shuffle_partitions))
        .config("spark.checkpoint.dir", str(scratch / "checkpoints"))
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    try:
        if not remote:
            spark.sparkContext.setLogLevel("ERROR")
            spark.sparkContext.setCheckpointDir(str(scratch / "checkpoints"))
        yield spark
    finally:
        spark.stop()
        shutil.rmtree(scratch, ignore_errors=True)


class SparkScorer:
    """Scores pairs on Spark; `predict` (warehouse/linking/model.py) drives it as it
    drives the DuckDB scorer. `con` is the private DuckDB that holds the mentions."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, spark: Any, folder: Path, partitions: int
    ) -> None:
        from splink.backends.spark import SparkAPI

        self.con, self.spark, self.folder = con, spark, folder
        remote = os.environ.get(REMOTE_ENV)
        self.db_api = SparkAPI(
            spark_session=spark,
            # Spark Connect has no SparkContext to checkpoint through; a table it has.
            break_lineage_method="checkpoint" if remote else "parquet",
            num_partitions_on_repartition=partitions,
        )
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "mentions.parquet"
        con.execute(f"COPY mentions TO {_literal(path)} (FORMAT parquet)")  # takes no parameter
        self.mentions = spark.read.parquet(str(path))

    def frame(self, name: str, where: str | None = None) -> Any:
        rows = self.mentions if where is None else self.mentions.filter(where)
        return self.db_api.register(rows, table_name=f"{name}_{uuid.uuid4().hex[:6]}")

    def model(self, model: dict[str, Any]) -> dict[str, Any]:
        """Spark's own settings of the model's shape, with the values DuckDB trained."""
        shape = settings_creator(dialect=DIALECT).get_settings(DIALECT).as_dict()
        return with_parameters(shape, parameters(model))

    def table(self, scored: Any) -> str:
        """The scored pairs, written by Spark as Parquet and read into `con`."""
        name = f"spark_{scored.physical_name}".lower()
        scored.to_parquet(str(self._pairs(name)), overwrite=True)
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote(name)} AS SELECT * FROM read_parquet(?)",
            [str(self._pairs(name) / "*.parquet")],
        )
        return name

    def drop(self, scored: Any, table: str) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {quote(table)}")
        scored.drop_table_from_database_and_remove_from_cache()
        shutil.rmtree(self._pairs(table), ignore_errors=True)

    def _pairs(self, name: str) -> Path:
        return self.folder / f"{name}.parquet"


def _literal(path: Path) -> str:
    """A path as an SQL string literal, for the one statement that binds none (COPY)."""
    return "'" + str(path).replace("'", "''") + "'"
