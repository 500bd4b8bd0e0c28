"""Dagster definitions, one small module per layer; `pipelines/definitions.py` merges them."""
