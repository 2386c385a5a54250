#!/usr/bin/env bash
# Installs everything lsl needs, from nothing: npm packages, the Temporal CLI (dev server + Web UI,
# built once with Go and cached), Python 3 and bubblewrap for the code sandbox, Chromium for the report test.
# Safe to re-run: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v python3 >/dev/null || need_apt+=(python3)
[ "${LSL_SKIP_CHROMIUM:-}" = 1 ] || [ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v bwrap >/dev/null || need_apt+=(bubblewrap)
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
