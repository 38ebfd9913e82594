from __future__ import annotations

import os

# Before anything imports Prefect or Great Expectations: no telemetry, no analytics, quiet logs.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
for _name in [n for n in os.environ if n.startswith("ARXIV_DIGEST_")]:
    del os.environ[_name]

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

# ../shared beside the repository; DIGEST_SHARED_DIR points elsewhere (a git worktree sits one level deeper).
SHARED = Path(os.environ.get("DIGEST_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")
CORPUS = SHARED / "corpus"


def require_shared(*parts: str) -> Path:
    """A path inside ../shared, or a skip that says why the test cannot run."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not present: the ../shared folder (corpus, seed) sits beside the repo in CI")
    return path


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One Prefect test server for the whole session (it takes ~15 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture(autouse=True)
def _close_stores() -> Iterator[None]:
    """Each test gets fresh store handles; the process-wide cache must not leak between tmp dirs."""
    yield
    from arxiv_digest.runtime import close_stores

    close_stores()
