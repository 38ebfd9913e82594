"""Data Docs on disk: identical files stored once, a rewritten site never writes through a shared copy,
old sites pruned by the retention setting (real files, no GX: tests/test_quality_suites.py runs GX itself)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from arxiv_digest.errors import SettingsError
from arxiv_digest.settings import load_settings
from quality.docs_site import (
    clear_site,
    day_site,
    docs_root,
    pool_dir,
    prune_sites,
    remove_unlinked_pool_files,
    share_identical_files,
    site_bytes,
    use_local_logos,
)

FONT = b"\x00font" * 50_000  # 250 kB, the same every day
LOGO_URL = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png"


def _write_site(data_dir: Path, day: date, stamp: str) -> Path:
    site = day_site(data_dir, "cs.CV", day)
    (site / "static" / "fonts").mkdir(parents=True)
    (site / "static" / "images").mkdir(parents=True)
    (site / "validations" / "papers").mkdir(parents=True)
    (site / "static" / "fonts" / "grotesk.woff").write_bytes(FONT)
    (site / "static" / "images" / "logo-long.png").write_bytes(b"png" * 1000)
    (site / "expectations.html").write_text(f'<img src="{LOGO_URL}?d={stamp}"> the suites', encoding="utf-8")
    (site / "validations" / "papers" / "run.html").write_text(f"results of {day} <img src='{LOGO_URL}?d={stamp}'>",
                                                              encoding="utf-8")
    return site


def test_each_day_adds_only_its_own_pages(tmp_path: Path) -> None:
    first = _write_site(tmp_path, date(2026, 1, 20), "20260120T060000.1Z")
    share_identical_files(first, pool_dir(tmp_path))
    after_first = site_bytes(docs_root(tmp_path))
    second = _write_site(tmp_path, date(2026, 1, 21), "20260121T060000.2Z")
    shared = share_identical_files(second, pool_dir(tmp_path))
    added = site_bytes(docs_root(tmp_path)) - after_first
    assert added < 200, added  # only the day's own validation page
    assert shared.bytes_saved >= len(FONT)
    assert (second / "static" / "fonts" / "grotesk.woff").read_bytes() == FONT
    assert os.path.samefile(first / "expectations.html", second / "expectations.html"), "equal once de-stamped"
    page = (second / "validations" / "papers" / "run.html").read_text(encoding="utf-8")
    assert "amazonaws" not in page and "../../static/images/logo-long.png" in page


def test_a_rebuilt_site_never_writes_through_the_shared_copy(tmp_path: Path) -> None:
    first = _write_site(tmp_path, date(2026, 1, 20), "1")
    share_identical_files(first, pool_dir(tmp_path))
    second = _write_site(tmp_path, date(2026, 1, 21), "2")
    share_identical_files(second, pool_dir(tmp_path))
    clear_site(second)  # what the gate does before GX writes the day again
    assert not second.exists()
    second = _write_site(tmp_path, date(2026, 1, 21), "3")
    (second / "static" / "fonts" / "grotesk.woff").write_bytes(b"a newer GX font")
    share_identical_files(second, pool_dir(tmp_path))
    assert (first / "static" / "fonts" / "grotesk.woff").read_bytes() == FONT


def test_old_sites_are_pruned_with_the_files_only_they_used(tmp_path: Path) -> None:
    days = [date(2026, 1, 5), date(2026, 2, 20), date(2026, 3, 2)]
    for n, day in enumerate(days):
        site = _write_site(tmp_path, day, str(n))
        (site / f"only-{n}.css").write_text(f"unique {n}", encoding="utf-8")
        share_identical_files(site, pool_dir(tmp_path))
    assert prune_sites(tmp_path, "cs.CV", 0) == [], "0 keeps every site"
    pooled = len(list(pool_dir(tmp_path).iterdir()))
    assert prune_sites(tmp_path, "cs.CV", 30) == [date(2026, 1, 5)]
    assert sorted(p.name for p in (docs_root(tmp_path) / "cs.CV").iterdir()) == ["2026-02-20", "2026-03-02"]
    left = list(pool_dir(tmp_path).iterdir())
    assert len(left) == pooled - 2, "the first site's own page and stylesheet left the pool with it"
    assert (day_site(tmp_path, "cs.CV", days[1]) / "static" / "fonts" / "grotesk.woff").read_bytes() == FONT
    assert remove_unlinked_pool_files(pool_dir(tmp_path)) == 0


def test_without_hard_links_a_site_keeps_its_own_copies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = _write_site(tmp_path, date(2026, 1, 20), "1")

    def no_links(*args: object) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    shared = share_identical_files(site, pool_dir(tmp_path))
    assert shared.files == 0
    assert (site / "static" / "fonts" / "grotesk.woff").read_bytes() == FONT


def test_logos_point_at_the_sites_own_copy_or_lose_their_stamp(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "a" / "b").mkdir(parents=True)
    (site / "a" / "b" / "page.html").write_text(f'<img src="{LOGO_URL}?d=20261204T053511.383878Z">', encoding="utf-8")
    assert use_local_logos(site) == 1
    assert (site / "a" / "b" / "page.html").read_text(encoding="utf-8") == f'<img src="{LOGO_URL}">'
    (site / "static" / "images").mkdir(parents=True)
    (site / "static" / "images" / "logo-long.png").write_bytes(b"png")
    (site / "a" / "b" / "page.html").write_text(f'<img src="{LOGO_URL}?d=1">', encoding="utf-8")
    use_local_logos(site)
    assert (site / "a" / "b" / "page.html").read_text(encoding="utf-8") == \
        '<img src="../../static/images/logo-long.png">'


def test_retention_setting_is_checked(tmp_path: Path) -> None:
    assert load_settings(None, quality_docs_keep_days=0).quality_docs_keep_days == 0
    with pytest.raises(SettingsError, match="quality_docs_keep_days"):
        load_settings(None, quality_docs_keep_days=-1)
