"""Files others can read, and directories we can write to.

What the pipeline writes through a temp file gets the mode the umask allows.

`tempfile.mkstemp` creates its file 0600 whatever the umask, so a renamed temp file would keep that mode and a
web server running as another user could not serve the digest or the PDFs.
"""

from __future__ import annotations

import hashlib
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
    """Why files cannot be written in `directory`, or None when they can. Creates nothing: a command refused
    afterwards (a bad date, say) leaves no empty data dir behind."""
    existing = directory
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        return f"cannot write to {directory}: {existing} is a file (Not a directory)"
    if existing != directory:
        if not os.access(existing, os.W_OK | os.X_OK):  # also false on a read-only file system, even for root
            return f"cannot write to {directory}: {existing} is not writable (permission denied or read-only)"
        return None
    try:
        with tempfile.TemporaryFile(dir=directory):  # unnamed where the system allows: no name to report
            pass
    except OSError as exc:
        return f"cannot write to {directory}: {exc.strerror or exc}"
    return None


def write_atomically(path: Path, content: str | bytes) -> str:
    """Write through a temp file in the same directory and rename: readers never see a partial file. Returns the
    content's sha256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        make_public(fd)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return hashlib.sha256(data).hexdigest()


def write_content_addressed(directory: Path, data: bytes, extension: str) -> tuple[str, Path]:
    """Store bytes as directory/<sha256>.<extension> (through a temp file and a rename); returns hash and path.

    The same bytes land on the same name, so writing them again changes nothing.
    """
    digest = hashlib.sha256(data).hexdigest()
    final = directory / f"{digest}.{extension}"
    if final.is_file() and final.stat().st_size == len(data):
        return digest, final
    write_atomically(final, data)
    return digest, final
