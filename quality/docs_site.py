"""Great Expectations Data Docs on disk: one site per digest, the bytes the sites share stored once.

GX writes a self-contained site per digest (data_dir/quality_docs/<category>/<date>/): 4 MB of fonts, images and
styles, the same every day, beside ~0.3 MB of that day's pages. After a site is written, every file whose content
is already in the shared pool (data_dir/quality_docs/_shared/<sha256><suffix>) becomes a hard link to the pooled
copy, so a day costs only its own pages and the links keep working for file:// and for any web server. Sites older
than the retention are removed, and pooled files no site links to any more go with them.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

log = logging.getLogger(__name__)

DOCS_DIR = "quality_docs"
SHARED_DIR = "_shared"


def docs_root(data_dir: Path) -> Path:
    return data_dir / DOCS_DIR


def pool_dir(data_dir: Path) -> Path:
    return docs_root(data_dir) / SHARED_DIR


def day_site(data_dir: Path, category: str, digest_day: date) -> Path:
    return docs_root(data_dir) / category / digest_day.isoformat()


def clear_site(site: Path) -> None:
    """Remove a day's site before GX writes it again: GX rewrites files in place, which would write through a
    hard link into the shared copy every other day links to."""
    if site.is_dir():
        shutil.rmtree(site)


# GX's pages fetch its logo from its own bucket with the render time as a query (`logo-long.png?d=20261204T...`):
# a request home whenever a page is opened, and a page that differs every day though nothing in it changed.
_REMOTE_LOGO = re.compile(r"https://great-expectations-web-assets\.s3[.\w-]*\.amazonaws\.com/([\w.-]+)\?d=[\w.:-]+")


def use_local_logos(site: Path) -> int:
    """Point each page's remote, time-stamped logo at the site's own copy; returns the pages changed."""
    changed = 0
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")

        def local(match: re.Match[str], page: Path = page) -> str:
            image = site / "static" / "images" / match.group(1)
            return os.path.relpath(image, page.parent) if image.is_file() else match.group(0).split("?")[0]

        localized = _REMOTE_LOGO.sub(local, text)
        if localized != text:
            page.write_text(localized, encoding="utf-8")
            changed += 1
    return changed


@dataclass(frozen=True)
class Shared:
    files: int  # files of the site now linked to the pool
    bytes_saved: int


def share_identical_files(site: Path, pool: Path) -> Shared:
    """Hard-link each file of `site` to the pooled copy of the same content (pooling it if it is new).

    Pages that differ from the other days' only by their logo's time stamp are made equal first."""
    use_local_logos(site)
    pool.mkdir(parents=True, exist_ok=True)
    linked = saved = 0
    for path in sorted(site.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        pooled = pool / f"{digest}{path.suffix}"
        try:
            if not pooled.exists():
                os.link(path, pooled)
            elif not os.path.samefile(pooled, path):
                temporary = path.with_name(f".{path.name}.link")
                os.link(pooled, temporary)
                os.replace(temporary, path)
                saved += path.stat().st_size
            linked += 1
        except OSError as exc:  # a file system without hard links: the site stays whole, just larger
            log.warning("Data Docs: cannot hard-link %s into %s (%s); the site keeps its own copies", path, pool, exc)
            return Shared(linked, saved)
    return Shared(linked, saved)


def prune_sites(data_dir: Path, category: str, keep_days: int) -> list[date]:
    """Remove the category's sites more than `keep_days` older than its newest one (0 keeps every site);
    then the pooled files no site links to. Returns the dates removed."""
    root = docs_root(data_dir) / category
    if keep_days <= 0 or not root.is_dir():
        return []
    dated = {}
    for site in root.iterdir():
        try:
            dated[date.fromisoformat(site.name)] = site
        except ValueError:
            continue
    if not dated:
        return []
    oldest_kept = max(dated) - timedelta(days=keep_days)
    removed = sorted(day for day in dated if day < oldest_kept)
    for day in removed:
        shutil.rmtree(dated[day])
    if removed:
        remove_unlinked_pool_files(pool_dir(data_dir))
    return removed


def remove_unlinked_pool_files(pool: Path) -> int:
    """Pooled files whose only link is the pool's own belong to no site any more."""
    if not pool.is_dir():
        return 0
    orphans = [path for path in pool.iterdir() if path.is_file() and path.stat().st_nlink == 1]
    for path in orphans:
        path.unlink()
    return len(orphans)


def site_bytes(path: Path) -> int:
    """Bytes on disk under `path`, each hard-linked file counted once (as `du` does)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for entry in path.rglob("*"):
        if entry.is_symlink() or not entry.is_file():
            continue
        info = entry.stat()
        if (info.st_dev, info.st_ino) not in seen:
            seen.add((info.st_dev, info.st_ino))
            total += info.st_size
    return total
