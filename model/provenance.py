"""Provenance of every output: code version, git commit, inputs' fingerprints, environment."""

from __future__ import annotations

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
