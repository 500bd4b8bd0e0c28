"""The repository's dagster.yaml makes a valid instance under the data home."""

from dagster import DagsterInstance

from connectors.home import Home


def test_instance_config(tmp_path, monkeypatch):
    home = Home.resolve(tmp_path).ensure()
    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster))
    with DagsterInstance.get() as instance:
        assert not instance.telemetry_enabled
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] > 0
        assert instance.global_op_concurrency_default_limit == 1
    assert (home.dagster / "history" / "runs.db").is_file()
