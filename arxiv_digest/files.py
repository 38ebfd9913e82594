"""Files others can read, and directories we can write to.

What the pipeline writes through a temp file gets the mode the umask allows.

`tempfile.mkstemp` creates its file 0600 whatever the umask, so a renamed temp file would keep that mode and a
web server running as another user could not serve the digest or the PDFs.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:  # Linux: read it without changing it
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _UMASK_LOCK:  # elsewhere the only way to read it is to set it (and put it back at once)
        mask = os.umask(0o022)
        os.umask(mask)
        return mask


def make_public(fd: int) -> None:
    """Give a file made by mkstemp the mode an ordinary `open(path, "w")` would have given it."""
    os.fchmod(fd, 0o666 & ~current_umask())



def unwritable_reason(directory: Path) -> str | None:
    """Why files cannot be written in `directory` (created if missing), or None when they can."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-check-"):
            pass
    except OSError as exc:
        where = exc.filename or directory
        return f"cannot write to {where}: {exc.strerror or exc}"
    return None
