"""Pipelines: the Dagster definitions and the `causeway` CLI; no business rule lives here."""
