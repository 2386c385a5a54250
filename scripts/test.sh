#!/usr/bin/env bash
# Runs the whole test suite (installing what it needs first).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export LSL_DATASETS_DIR="${LSL_DATASETS_DIR:-$(cd .. && pwd)/shared/datasets}"
npx jest "$@"
