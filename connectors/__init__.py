"""Connectors: read department sources (folders, files, databases) into rows of text."""
