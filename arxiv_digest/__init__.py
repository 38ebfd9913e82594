"""arxiv-digest: a daily, grounded digest of new arXiv papers, built as a Prefect pipeline."""

__version__ = "0.1.0"
