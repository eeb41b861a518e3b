"""Provenance of every output: code version, git commit, inputs' fingerprints, environment."""

from __future__ import annotations

import hashlib
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numba
import numpy as np

REPO_DIR = Path(__file__).resolve().parent.parent


def package_version() -> str:
    try:
        return metadata.version("jiangsu-workforce")
    except metadata.PackageNotFoundError:
        return "unknown"


def code_digest() -> str:
    """The first 16 hex digits of the sha256 of the model's source (every .py file of the package, by path):
    what a stored evaluation was computed with, so a checkpoint from other code is not reused."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def git_commit() -> dict[str, object] | None:
    """HEAD commit of the checkout the code runs from and whether it has uncommitted changes (None for an
    installed wheel)."""
    if not (REPO_DIR / ".git").exists():
        return None
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_DIR, capture_output=True, text=True,
                              timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_DIR,
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip() != ""
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": head, "dirty": dirty}


def environment() -> dict[str, str]:
    return {"python": platform.python_version(), "numpy": np.__version__, "numba": numba.__version__,
            "platform": platform.platform(), "created": datetime.now(UTC).isoformat(timespec="seconds")}
