"""The README's picture of the HTML digest: the offline sample day, published and shot in headless Chromium.

    python bench/digest_screenshot.py [--html PATH] [--out docs/digest.png] [--width 1000] [--height 1500]

Without --html it builds the sample day (`arxiv-digest run --sample`, offline, no model) into a temporary data
dir and shoots its page. It needs Debian's `chromium` and, for the Chinese, `fonts-noto-cjk` (as .ci/run
installs them). The PNG is kept under --max-kb by scaling it down when Chromium's shot is larger.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pymupdf

ROOT = Path(__file__).resolve().parents[1]


def sample_day_page(data_dir: Path) -> Path:
    env = {**os.environ, "ARXIV_DIGEST_DATA_DIR": str(data_dir), "GX_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    cli = Path(sys.executable).with_name("arxiv-digest")
    subprocess.run([str(cli), "run", "--sample"], env=env, check=True, capture_output=True, timeout=600)
    out = data_dir / "sample-day" / "out"  # the sample day's own data dir
    pages = sorted(out.glob("*/20??-??-??.html"))
    if not pages:
        raise SystemExit(f"the sample day published no HTML page under {out}")
    return pages[-1]


def shoot(page: Path, out: Path, width: int, height: int, profile: Path) -> None:
    browser = next((p for n in ("chromium", "chromium-browser", "google-chrome") if (p := shutil.which(n))), None)
    if browser is None:
        raise SystemExit("Chromium is not installed (Debian package 'chromium')")
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", f"--window-size={width},{height}", f"--screenshot={out}",
         page.resolve().as_uri()],
        check=True, capture_output=True, timeout=120,
    )


def fit(out: Path, max_kb: int) -> tuple[int, int]:
    """Scale the PNG down in steps until it weighs at most max_kb; its final size in pixels."""
    pixmap = pymupdf.Pixmap(str(out))
    while out.stat().st_size > max_kb * 1024 and pixmap.width > 400:
        pixmap = pymupdf.Pixmap(pixmap, int(pixmap.width * 0.85), int(pixmap.height * 0.85), None)
        pixmap.save(str(out))
    return pixmap.width, pixmap.height


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, help="a published digest page (default: build the sample day)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "digest.png")
    parser.add_argument("--width", type=int, default=1000)
    parser.add_argument("--height", type=int, default=1500)
    parser.add_argument("--max-kb", type=int, default=290)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="digest-shot-") as scratch:
        page = args.html or sample_day_page(Path(scratch) / "data")
        shoot(page, args.out, args.width, args.height, Path(scratch) / "profile")
        width, height = fit(args.out, args.max_kb)
    print(f"{args.out}: {width}x{height}, {args.out.stat().st_size // 1024} kB, from {page.name}")


if __name__ == "__main__":
    main()
