#!/usr/bin/env bash
# Create bench/.venv with temporal-sdk (editable) and the official temporalio SDK to compare with.
# temporalio lives only here: the product never imports it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x bench/.venv/bin/python ] || python3 -m venv bench/.venv
bench/.venv/bin/python -m pip install -q --disable-pip-version-check -U pip
bench/.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[server]" "temporalio==1.35.0"
