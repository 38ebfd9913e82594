"""Typed records passed between steps, and the DuckDB DDL as numbered migrations."""
