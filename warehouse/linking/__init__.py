"""Record linkage: the master index of people, dwellings and buildings.

Deterministic links on valid ID numbers first, then Fellegi–Sunter (Splink on DuckDB)
for the mentions that have none; stable IDs across relinks; incremental batches.
"""
