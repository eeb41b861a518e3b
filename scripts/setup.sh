#!/usr/bin/env bash
# Create .venv with a Python 3.12+ interpreter and install the project with its test extras.
# Re-installs only when pyproject.toml changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}

is_312_plus() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.14 python3.13 python3.12 python3 python; do
    [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 && is_312_plus "$candidate" \
      && { command -v "$candidate"; return 0; }
  done
  local roots=("${PYENV_ROOT:-$HOME/.pyenv}/versions" /usr/local/bin /opt/python* /opt/conda/bin)
  for candidate in $(ls -d "${roots[0]}"/3.1[2-9]*/bin/python3 "${roots[0]}"/3.[2-9]*/bin/python3 \
                        /usr/local/bin/python3.1[2-9] 2>/dev/null | sort -rV); do
    is_312_plus "$candidate" && { echo "$candidate"; return 0; }
  done
  return 1
}

if [ ! -x "$VENV/bin/python" ] || ! is_312_plus "$VENV/bin/python"; then
  if ! PY=$(find_python); then
    echo "setup: needs Python 3.12 or newer (not found on PATH or under pyenv); install it, or set PYTHON=/path/to/python3.12" >&2
    exit 1
  fi
  echo "setup: creating $VENV with $PY ($("$PY" --version 2>&1))" >&2
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
fi

stamp="$VENV/.installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing the project and its dependencies into $VENV" >&2
  "$VENV/bin/python" -m pip install --quiet --upgrade pip 2>&1 | grep -v "^WARNING: Location" >&2 || true
  "$VENV/bin/python" -m pip install --quiet -e ".[test]" 2>&1 | grep -v "^WARNING: Location" >&2 || true
  "$VENV/bin/python" -c "import model, mesa, numba, pyarrow" || { echo "setup: installation failed" >&2; exit 1; }
  touch "$stamp"
fi
