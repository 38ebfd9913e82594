"""Where the project's own files are: its root and the shipped sample day (settings and the sample day read them)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = PROJECT_ROOT / "data" / "sample"
# `run --sample` keeps the invented sample day in its own data dir under the data dir, so it never poses as
# arXiv's real announcement of the same date (data/sample/ is taken: the sample's shipped inputs).
SAMPLE_DATA_DIR_NAME = "sample-day"
