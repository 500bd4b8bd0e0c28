"""The Dagster instance configurations of deploy/dagster/ for more than one machine: each
is the repository's dagster.yaml but for its storage and run launcher; the PostgreSQL one
runs Causeway's whole pipeline with its runs stored in a real PostgreSQL; the Docker and
Kubernetes launchers' settings are what those launchers accept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from dagster._config import process_config
from dagster._core.instance.config import dagster_instance_config

from connectors.home import DAGSTER_YAML_ENV, REPO_DAGSTER_YAML, Home
from demo import generate
from pipelines.headless import instance, run_everything

DEPLOY = REPO_DAGSTER_YAML.parent / "deploy" / "dagster"
LAUNCHED = {"docker.yaml": "dagster_docker", "k8s.yaml": "dagster_k8s"}


def _read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["postgres.yaml", "docker.yaml", "k8s.yaml"])
def test_each_keeps_the_repository_s_pools_monitoring_and_storage_of_logs(name, tmp_path):
    base, config = _read(REPO_DAGSTER_YAML), _read(DEPLOY / name)
    own = {"storage", "run_launcher", "run_coordinator"}
    assert {k: v for k, v in config.items() if k not in own} == {
        k: v for k, v in base.items() if k != "storage"
    }
    assert "postgres" in config["storage"]
    shutil.copy(DEPLOY / name, tmp_path / "dagster.yaml")
    validated, _ = dagster_instance_config(str(tmp_path))  # Dagster's own instance schema
    assert validated["storage"]["postgres"]["postgres_url"] == {"env": "DAGSTER_PG_URL"}


@pytest.mark.parametrize("name", sorted(LAUNCHED))
def test_the_run_launcher_settings_are_what_the_launcher_accepts(name, monkeypatch):
    import importlib

    monkeypatch.setenv("CAUSEWAY_IMAGE", "registry.example/causeway:1")
    launcher = _read(DEPLOY / name)["run_launcher"]
    assert launcher["module"] == LAUNCHED[name]
    cls = getattr(importlib.import_module(launcher["module"]), launcher["class"])
    checked = process_config(cls.config_type(), launcher["config"])
    assert checked.success, checked.errors
    image = checked.value.get("image") or checked.value.get("job_image")
    assert image == "registry.example/causeway:1"


def test_a_run_on_postgresql_storage_is_stored_there(tmp_path, monkeypatch, pg_url):
    monkeypatch.setenv("DAGSTER_PG_URL", pg_url.replace("+psycopg://", "+psycopg2://"))
    monkeypatch.setenv(DAGSTER_YAML_ENV, str(DEPLOY / "postgres.yaml"))
    home = Home.resolve(tmp_path / "home").ensure()
    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster))
    assert (home.dagster / "dagster.yaml").read_bytes() == (DEPLOY / "postgres.yaml").read_bytes()
    generate(home.ingest, home.demo_truth, 300, 6, 1)
    run = run_everything(home)
    assert run.success and home.analytics.is_file()
    with instance(home) as dagster:
        assert type(dagster.run_storage).__name__ == "PostgresRunStorage"
        assert dagster.get_run_by_id(run.run_id) is not None
    engine = sa.create_engine(pg_url)
    with engine.connect() as con:
        stored = con.execute(sa.text("SELECT run_id, status FROM runs")).fetchall()
    engine.dispose()
    assert stored == [(run.run_id, "SUCCESS")]
    assert not (home.dagster / "history" / "runs.db").exists(), "nothing in sqlite"
