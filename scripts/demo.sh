#!/usr/bin/env bash
# The offline demo: a whole LSL experiment (every arm, statistics, report) on the model simulator,
# with an embedded Temporal dev server and its Web UI. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
LSL_SKIP_CHROMIUM="${LSL_SKIP_CHROMIUM:-1}" bash scripts/setup.sh
export LSL_DATASETS_DIR="${LSL_DATASETS_DIR:-$(cd .. && pwd)/shared/datasets}"
bin/lsl plan examples/sim-gsm8k.yaml
exec bin/lsl run examples/sim-gsm8k.yaml "$@"
