"""Writing and fingerprinting files, done once: atomic writes (a hidden temporary name in the same folder,
flushed to disk, renamed over the target, so a reader never sees half a file), of one file or of a set that is
complete or absent, and sha256 digests."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Write through a hidden temporary file in the same directory, flushed, then renamed over `path`."""
    write_together({Path(path): write})


def write_together(writers: dict[Path, Callable[[Path], object]]) -> None:
    """Write several files so that none is replaced before all are written: each through a hidden temporary file
    in its folder, flushed to disk, then all renamed in order. The last file marks a complete set (a manifest): an
    earlier one of that name is removed before the renames, so a set cut short has no marker."""
    staged = {path: path.with_name(f".{path.stem}.{os.getpid()}.partial{path.suffix}") for path in map(Path, writers)}
    try:
        for path, write in writers.items():
            write(staged[Path(path)])
            with open(staged[Path(path)], "rb+") as handle:
                os.fsync(handle.fileno())
        *_, marker = staged
        marker.unlink(missing_ok=True)
        for path, temporary in staged.items():
            os.replace(temporary, path)
    finally:
        for temporary in staged.values():
            temporary.unlink(missing_ok=True)


def write_text_atomically(path: Path, text: str) -> None:
    write_atomically(path, lambda staged: staged.write_text(text, encoding="utf-8"))


def text_digest(text: str, length: int | None = None) -> str:
    """The sha256 of a text (UTF-8) in hex, its first `length` digits if given."""
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def short_digest(path: Path) -> str:
    """The first 16 hex digits of a file's sha256 ('' for a missing file): what cached work depends on."""
    return file_sha256(path)[:16] if Path(path).exists() else ""
