"""Writing and fingerprinting files, done once: an atomic write (a hidden temporary name in the same folder,
flushed to disk, renamed over the target, so a reader never sees half a file) and sha256 digests."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Write through a hidden temporary file in the same directory, flushed, then renamed over `path`."""
    path = Path(path)
    staged = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        write(staged)
        with open(staged, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)


def write_text_atomically(path: Path, text: str) -> None:
    write_atomically(path, lambda staged: staged.write_text(text, encoding="utf-8"))


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def short_digest(path: Path) -> str:
    """The first 16 hex digits of a file's sha256 ('' for a missing file): what cached work depends on."""
    return file_sha256(path)[:16] if Path(path).exists() else ""
