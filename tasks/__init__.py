"""The Prefect tasks of the daily flow: each a thin wrapper that calls the core in arxiv_digest/ and quality/."""

