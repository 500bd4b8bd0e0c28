"""Warehouse: DDL, loads, SQL transforms and publication on DuckDB."""
