#!/usr/bin/env bash
# Build the documentation site (docs/ + the API reference generated from docstrings) into site/,
# with every warning treated as an error. Installs the `docs` extra into .venv first.
set -euo pipefail
cd "$(dirname "$0")/.."
if .venv/bin/python -c "import temporal_sdk.api" 2>/dev/null; then
    # The package is already installed: add only the docs extra's requirements (no rebuild).
    mapfile -t requirements < <(.venv/bin/python - <<'PY'
import sys
if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib
with open("pyproject.toml", "rb") as f:
    print("\n".join(tomllib.load(f)["project"]["optional-dependencies"]["docs"]))
PY
    )
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "${requirements[@]}"
else
    bash scripts/setup.sh docs
fi
exec .venv/bin/mkdocs build --strict "$@"
