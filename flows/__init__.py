"""Prefect flows: wiring only (daily digest, backfill, rerun of failures)."""
