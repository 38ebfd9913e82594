"""Writing published files: atomic writes, output paths, and the per-category manifest of published days
behind the index page and the feed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from arxiv_digest.files import write_atomically
from arxiv_digest.publish.feeds import render_atom, render_index
from arxiv_digest.publish.view import PublishOptions
from arxiv_digest.store import Store
from arxiv_digest.wording import wording_for

log = logging.getLogger(__name__)


def output_path(out_dir: Path, category: str, digest_day: date, suffix: str = "md") -> Path:
    safe_category = re.sub(r"[^A-Za-z0-9.-]", "_", category)
    return out_dir / safe_category / f"{digest_day.isoformat()}.{suffix}"


MANIFEST = "days.json"


@contextlib.contextmanager
def listing_lock(folder: Path) -> Iterator[None]:
    """Runs of different days (several workers) publish at once; their listings must not lose each other."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".listing.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_manifest(folder: Path) -> dict[str, dict[str, Any]] | None:
    """Every published day of the category: {"YYYY-MM-DD": {"papers": n, "summary": text}}; None if absent."""
    try:
        loaded = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable %s (%s); rebuilding it from the store", folder / MANIFEST, exc)
        return None
    days = loaded.get("days") if isinstance(loaded, dict) else None
    return days if isinstance(days, dict) else None


def record_day(
    manifest: dict[str, dict[str, Any]], digest_day: date, papers: int, summary: str
) -> list[tuple[date, int, str]]:
    """Add or replace one day; returns every day, oldest first."""
    manifest[digest_day.isoformat()] = {"papers": papers, "summary": summary}
    return sorted((date.fromisoformat(day), int(entry.get("papers", 0)), str(entry.get("summary", "")))
                  for day, entry in manifest.items())


def write_day_listings(
    options: PublishOptions, store: Store, category: str, digest_day: date, papers: int, summary: str
) -> None:
    """The index page and the Atom feed over every published day of the category.

    The days come from a manifest beside the pages rather than from the store: under the per-day layout
    the other days live in other files, possibly held by other workers.
    """
    folder = options.out_dir / category
    with listing_lock(folder):
        manifest = read_manifest(folder)
        if manifest is None:  # first publication here (or an older data dir): start from what the store knows
            manifest = {}
            for published in store.published_days(category):
                stored = store.summary(published.digest_date, category, options.language)
                manifest[published.digest_date.isoformat()] = {"papers": published.papers,
                                                               "summary": stored.content if stored else ""}
        days = record_day(manifest, digest_day, papers, summary)
        write_atomically(folder / MANIFEST, json.dumps({"category": category, "days": manifest},
                                                       ensure_ascii=False, indent=1, sort_keys=True))
        # The sample day's own data dir holds only invented days: its listings say so in their titles.
        label = wording_for(options.language).sample_label if options.sample else ""
        write_atomically(folder / "index.html", render_index(category, [(d, n) for d, n, _ in days], label))
        write_atomically(folder / "feed.atom", render_atom(category, days[-60:], datetime.now(UTC), label=label))
