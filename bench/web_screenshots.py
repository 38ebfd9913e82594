"""Screenshots of the web app for the README: the sample day's page with its feedback buttons, and a search.

    python bench/web_screenshots.py [--out-dir docs]

Builds the offline sample day in a temporary data dir (`arxiv-digest run --sample`), starts `arxiv-digest web` on
it, and shoots two pages in Debian's headless Chromium (docs/web-day.png, docs/web-search.png, each <= 150 kB).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from digest_screenshot import fit
from web_app import _free_port

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    browser = next((p for n in ("chromium", "chromium-browser", "google-chrome") if (p := shutil.which(n))), None)
    if browser is None:
        raise SystemExit("Chromium is not installed (Debian package 'chromium')")
    cli = str(Path(sys.executable).with_name("arxiv-digest"))
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "ARXIV_DIGEST_DATA_DIR": scratch, "GX_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "ARXIV_DIGEST_WEB_SECRET": "screenshots"}
        subprocess.run([cli, "run", "--sample"], env=env, check=True, capture_output=True, timeout=600)
        port = _free_port()
        app = subprocess.Popen([cli, "web", "--sample", "--port", str(port)], env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    day = httpx.get(f"{base}/", follow_redirects=False).headers["location"]
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            pages = {"web-day.png": f"{base}{day}", "web-search.png": f"{base}/search?q=video+segmentation"}
            for name, url in pages.items():
                out = args.out_dir / name
                subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                "--hide-scrollbars", "--disable-background-networking", "--disable-sync",
                                f"--user-data-dir={scratch}/chromium", "--window-size=1100,1000",
                                f"--screenshot={out}", url], check=True, capture_output=True, timeout=120)
                print(out, fit(out, 150))
        finally:
            app.terminate()
            app.wait(timeout=30)


if __name__ == "__main__":
    main()
