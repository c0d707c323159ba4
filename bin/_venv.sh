# Sourced by bin/run and bin/test: create .venv and install the project into it.
# Usage: install_project [EXTRA]   (EXTRA is an optional-dependency group, e.g. test)
set -euo pipefail

find_python() {
  for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "error: Python 3.11 is required (python3.11 not found on PATH)" >&2
  return 1
}

install_project() {
  local extra="${1:-}"
  local spec="."
  [ -n "$extra" ] && spec=".[$extra]"
  if [ ! -x .venv/bin/python ]; then
    "$(find_python)" -m venv .venv
  fi
  # Reinstall only when the dependency files changed since the last install.
  local stamp=".venv/.install-stamp-${extra:-base}"
  local digest
  digest="$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)"
  if [ "${SKIP_INSTALL:-}" != "1" ] && { [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; }; then
    echo "==> installing dependencies into .venv"
    # uv installs the same pinned set as pip (constraints.txt) in seconds
    # instead of minutes: it fetches and unpacks in parallel, from its cache.
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
    .venv/bin/uv pip install --quiet --python .venv/bin/python -c constraints.txt -e "$spec"
    echo "$digest" > "$stamp"
  fi
  export PATH="$PWD/.venv/bin:$PATH"
}
