#!/usr/bin/env bash
# Create .venv in the clone (if missing) and install temporal-sdk with the given extras into it.
# The install builds temporal_sdk/api from the Temporal .proto files (see build_support/gen_api.py).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-server}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[${extras}]"
