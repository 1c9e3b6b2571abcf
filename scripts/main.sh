#!/usr/bin/env bash
# The main job: set up, start an embedded Temporal dev server, run the hello-activity sample
# (a worker plus a workflow with an activity and a durable timer) and print its result.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh server
exec .venv/bin/python samples/hello_activity.py "$@"
