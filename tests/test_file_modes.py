"""Every file a run writes has the mode the umask allows (0644 under 022), so a web server running as another
user can serve the digests, the listings and the PDFs (issue 14)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.files import current_umask

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def umask_027() -> Iterator[None]:
    before = os.umask(0o027)  # not 022: a mode hard-coded to 0644 would pass under 022
    try:
        yield
    finally:
        os.umask(before)


def test_current_umask_reads_without_changing_it(umask_027: None) -> None:
    assert current_umask() == 0o027
    assert current_umask() == 0o027


def test_every_file_of_a_run_follows_the_umask(tmp_path: Path, umask_027: None) -> None:
    result = CliRunner().invoke(app, ["run", "--sample", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".pdf" for p in written) and any(p.name == "index.html" for p in written)
    wrong = {str(p.relative_to(tmp_path)): oct(stat.S_IMODE(p.stat().st_mode)) for p in written
             if stat.S_IMODE(p.stat().st_mode) != 0o640}
    assert not wrong, wrong
