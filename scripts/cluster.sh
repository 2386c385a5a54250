#!/usr/bin/env bash
# A production-style lsl cluster on loopback ports: the Temporal server on PostgreSQL (schema set
# up with Temporal's sql tool), the Temporal Web UI server, and MinIO (S3) with a bucket.
#
#   scripts/cluster.sh provision   build/install the binaries once (cached, skipped when present)
#   scripts/cluster.sh up          provision if needed, start everything, print the addresses
#   scripts/cluster.sh status      print the addresses and whether each piece answers
#   scripts/cluster.sh env         print the environment a worker/CLI needs (eval "$(... env)")
#   scripts/cluster.sh down        stop everything started by `up` (data is kept)
#   scripts/cluster.sh reset       down, then delete the data
#   scripts/cluster.sh restart-temporal   kill -9 the Temporal server and start it again (tests)
#
# Binaries are cached under $LSL_CACHE_HOME/lsl/cluster (default ~/.cache/lsl/cluster); state
# (PostgreSQL data, MinIO data, logs, pids) under $LSL_CLUSTER_DIR (default /var/tmp/lsl-cluster-<uid>).
# Ports (all on 127.0.0.1) can be moved with LSL_CLUSTER_PORT_BASE (default 17200):
#   +0 Temporal frontend gRPC, +1 membership, +2 history, +3 matching, +4 worker (internal),
#   +5 Web UI, +6 MinIO S3 API, +7 MinIO console, +8 PostgreSQL, +9 frontend HTTP.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

TEMPORAL_VERSION=v1.29.1
UI_VERSION=v2.42.1
CACHE="${LSL_CACHE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}}/lsl/cluster"
# State lives outside $HOME: PostgreSQL runs as the `postgres` user when we are root and must reach it.
RUN="${LSL_CLUSTER_DIR:-/var/tmp/lsl-cluster-$(id -u)}"
BASE="${LSL_CLUSTER_PORT_BASE:-17200}"
HOST=127.0.0.1
P_FRONTEND=$BASE; P_MEMBER=$((BASE + 1)); P_HISTORY=$((BASE + 2)); P_MATCHING=$((BASE + 3))
P_WORKER=$((BASE + 4)); P_UI=$((BASE + 5)); P_S3=$((BASE + 6)); P_S3_CONSOLE=$((BASE + 7))
P_PG=$((BASE + 8)); P_HTTP=$((BASE + 9))
BUCKET="${LSL_CLUSTER_BUCKET:-lsl}"
# Local-only credentials for a loopback MinIO; a real deployment uses its own (see README).
S3_USER=lsl-minio
S3_PASS=lsl-minio-local-only
PG_BIN="${LSL_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"

TEMPORAL_BIN="$CACHE/temporal-server-$TEMPORAL_VERSION/server"
SQL_BIN="$CACHE/temporal-sql-$TEMPORAL_VERSION/temporal-sql-tool"
UI_BIN="$CACHE/ui-server-$UI_VERSION/server"
MINIO_BIN="$CACHE/minio/minio"
CLI_BIN="${TEMPORAL_CLI_PATH:-$(command -v temporal 2>/dev/null || echo "$CACHE/../temporal-cli/v1.5.1/temporal")}"

log() { echo "cluster: $*" >&2; }
die() { echo "cluster: $*" >&2; exit 1; }

# go install <module> into a private GOBIN, then move the binary into the cache (atomic rename).
go_build() { # <target path> <module@version> <binary name in GOBIN>
  local target=$1 module=$2 name=$3
  [ -x "$target" ] && return 0
  command -v go >/dev/null || die "cannot build $module: go is not on PATH (install Go >= 1.24)"
  local gobin; gobin="$(mktemp -d)"
  local t0=$SECONDS
  log "building $module (once; cached in $(dirname "$target"))"
  GOBIN="$gobin" CGO_ENABLED=0 go install "$module" || die "go install $module failed"
  mkdir -p "$(dirname "$target")"
  mv "$gobin/$name" "$target.tmp.$$" && mv "$target.tmp.$$" "$target"
  rm -rf "$gobin"
  log "built $module in $((SECONDS - t0)) s"
  echo "$(date -u +%FT%TZ) $module $((SECONDS - t0))s" >>"$CACHE/build-times.log"
}

provision() {
  mkdir -p "$CACHE"
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      log "installing postgresql-15 with apt-get"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
      PG_BIN=/usr/lib/postgresql/15/bin
    else
      die "PostgreSQL's initdb/pg_ctl not found; install PostgreSQL (Debian: apt-get install postgresql-15) or set LSL_PG_BIN"
    fi
  fi
  # One after another: the machine's cores are shared.
  go_build "$TEMPORAL_BIN" "go.temporal.io/server/cmd/server@$TEMPORAL_VERSION" server
  go_build "$SQL_BIN" "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_VERSION" sql
  go_build "$UI_BIN" "github.com/temporalio/ui-server/v2/cmd/server@$UI_VERSION" server
  go_build "$MINIO_BIN" "github.com/minio/minio@latest" minio
  [ -x "$CLI_BIN" ] || (cd "$ROOT" && node --require ./node_modules/tsx/dist/cjs/index.cjs scripts/provision-temporal.ts >&2)
  log "binaries ready in $CACHE"
}


# ---------------------------------------------------------------- running the pieces
export LSL_PG_PORT=$P_PG LSL_PG_USER=temporal LSL_PG_PASSWORD=temporal-local-only
export LSL_TEMPORAL_PORT=$P_FRONTEND LSL_TEMPORAL_MEMBERSHIP_PORT=$P_MEMBER LSL_TEMPORAL_HTTP_PORT=$P_HTTP
export LSL_TEMPORAL_HISTORY_PORT=$P_HISTORY LSL_TEMPORAL_HISTORY_MEMBERSHIP_PORT=$((BASE + 12))
export LSL_TEMPORAL_MATCHING_PORT=$P_MATCHING LSL_TEMPORAL_MATCHING_MEMBERSHIP_PORT=$((BASE + 13))
export LSL_TEMPORAL_WORKER_PORT=$P_WORKER LSL_TEMPORAL_WORKER_MEMBERSHIP_PORT=$((BASE + 14))
ADDRESS="$HOST:$P_FRONTEND"

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }
wait_for() { # <what> <seconds> <command...>
  local what=$1 secs=$2; shift 2
  for _ in $(seq 1 $((secs * 4))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
  die "$what did not come up within ${secs}s (logs in $RUN/*.log)"
}
# Starts a program in its own session so `down` can stop it by its pid; output to $RUN/<name>.log.
spawn() { # <name> <dir> <command...>
  local name=$1 dir=$2; shift 2
  (cd "$dir" && exec setsid "$@" >>"$RUN/$name.log" 2>&1 </dev/null) &
  echo $! >"$RUN/$name.pid"
}
stop_pid() { # <name> [signal]
  alive "$1" || { rm -f "$RUN/$1.pid"; return 0; }
  local pid; pid="$(cat "$RUN/$1.pid")"
  kill "-${2:-TERM}" "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$RUN/$1.pid"
}

pg_ready() { "$PG_BIN/pg_isready" -q -h "$HOST" -p "$P_PG"; }
start_postgres() {
  mkdir -p "$RUN/pg"
  if [ "$(id -u)" = 0 ]; then chown postgres "$RUN/pg"; chmod 700 "$RUN/pg"; fi
  if [ ! -f "$RUN/pg/data/PG_VERSION" ]; then
    log "initdb (PostgreSQL data in $RUN/pg/data)"
    echo "$LSL_PG_PASSWORD" >"$RUN/pg/pwfile"
    if [ "$(id -u)" = 0 ]; then chown postgres "$RUN/pg/pwfile"; fi
    as_pg "$PG_BIN/initdb" -D "$RUN/pg/data" -U "$LSL_PG_USER" --pwfile="$RUN/pg/pwfile" \
      --auth-host=scram-sha-256 --auth-local=peer -E UTF8 >"$RUN/pg-initdb.log" 2>&1 || die "initdb failed: $RUN/pg-initdb.log"
    rm -f "$RUN/pg/pwfile"
  fi
  pg_ready && return 0
  as_pg "$PG_BIN/pg_ctl" -D "$RUN/pg/data" -l "$RUN/pg/postgres.log" -w -t 60 \
    -o "-c listen_addresses=$HOST -p $P_PG -c unix_socket_directories=$RUN/pg -c max_connections=200" start >/dev/null \
    || die "PostgreSQL did not start (log: $RUN/pg/postgres.log)"
}
sql_tool() { "$SQL_BIN" --plugin postgres12 --ep "$HOST" -p "$P_PG" -u "$LSL_PG_USER" --pw "$LSL_PG_PASSWORD" "$@"; }
setup_schema() {
  [ -f "$RUN/schema-$TEMPORAL_VERSION.done" ] && return 0
  log "Temporal schema (temporal-sql-tool with its embedded postgresql/v12 schema)"
  local db
  for db in temporal temporal_visibility; do
    sql_tool --db "$db" create-database >>"$RUN/schema.log" 2>&1 || grep -q "already exists" "$RUN/schema.log" || die "create-database $db failed: $RUN/schema.log"
    sql_tool --db "$db" setup-schema -v 0.0 >>"$RUN/schema.log" 2>&1 || die "setup-schema $db failed: $RUN/schema.log"
  done
  sql_tool --db temporal update-schema --schema-name postgresql/v12/temporal >>"$RUN/schema.log" 2>&1 || die "update-schema temporal failed: $RUN/schema.log"
  sql_tool --db temporal_visibility update-schema --schema-name postgresql/v12/visibility >>"$RUN/schema.log" 2>&1 || die "update-schema visibility failed: $RUN/schema.log"
  touch "$RUN/schema-$TEMPORAL_VERSION.done"
}
temporal_ready() { "$CLI_BIN" operator cluster health --address "$ADDRESS" 2>/dev/null | grep -q SERVING; }
start_temporal() {
  alive temporal && return 0
  spawn temporal "$ROOT/deploy/temporal" "$TEMPORAL_BIN" --env lsl-postgres --allow-no-auth start
  wait_for "the Temporal server" 90 temporal_ready
}
search_attribute_args() { # --name N --type T for every key in src/workers/names.ts
  (cd "$ROOT" && node --require ./node_modules/tsx/dist/cjs/index.cjs -e '
    const { SearchAttributes } = require("./src/workers/names");
    const t = { KEYWORD: "Keyword", DOUBLE: "Double", INT: "Int", BOOL: "Bool", DATETIME: "Datetime", TEXT: "Text" };
    for (const k of Object.values(SearchAttributes)) console.log(`--name ${k.name} --type ${t[k.type]}`);')
}
search_attributes_registered() { # creates the missing ones; true when every one is there
  local have; have="$("$CLI_BIN" operator search-attribute list --address "$ADDRESS" --namespace default 2>/dev/null)" || return 1
  local missing=() name type
  while read -r _ name _ type; do
    grep -qw "$name" <<<"$have" || missing+=(--name "$name" --type "$type")
  done < <(search_attribute_args)
  [ ${#missing[@]} -eq 0 ] && return 0
  "$CLI_BIN" operator search-attribute create --address "$ADDRESS" --namespace default "${missing[@]}" >/dev/null 2>&1 || true
  return 1
}
setup_namespace() {
  if ! "$CLI_BIN" operator namespace describe --address "$ADDRESS" --namespace default >/dev/null 2>&1; then
    log "namespace default"
    "$CLI_BIN" operator namespace create --address "$ADDRESS" --namespace default --retention 72h >/dev/null
  fi
  # A new namespace reaches the frontend's cache after a few seconds; registering needs it there.
  wait_for "search attributes" 60 search_attributes_registered
}
ui_ready() { curl -fsS -o /dev/null "http://$HOST:$P_UI/"; }
start_ui() {
  alive ui && return 0
  TEMPORAL_ADDRESS="$ADDRESS" LSL_UI_PORT=$P_UI spawn ui "$ROOT/deploy/temporal-ui" "$UI_BIN" --env lsl start
  wait_for "the Temporal Web UI" 30 ui_ready
}
s3_ready() { curl -fsS -o /dev/null "http://$HOST:$P_S3/minio/health/ready"; }
start_minio() {
  if ! alive minio; then
    mkdir -p "$RUN/minio"
    MINIO_ROOT_USER=$S3_USER MINIO_ROOT_PASSWORD=$S3_PASS MINIO_UPDATE=off \
      spawn minio "$RUN" "$MINIO_BIN" server --quiet --address "$HOST:$P_S3" --console-address "$HOST:$P_S3_CONSOLE" "$RUN/minio"
    wait_for "MinIO" 30 s3_ready
  fi
  # The bucket (S3 CreateBucket signed with SigV4 by curl); "already owned by you" is fine.
  local code
  code=$(curl -s -o "$RUN/bucket.out" -w '%{http_code}' -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_USER:$S3_PASS" "http://$HOST:$P_S3/$BUCKET")
  [ "$code" = 200 ] || grep -q BucketAlreadyOwnedByYou "$RUN/bucket.out" || die "cannot create bucket $BUCKET (HTTP $code): $(cat "$RUN/bucket.out")"
}

print_env() {
  echo "export TEMPORAL_ADDRESS=$ADDRESS"
  echo "export TEMPORAL_NAMESPACE=default"
  echo "export LSL_STORE=s3://$BUCKET/lsl"
  echo "export LSL_S3_ENDPOINT=http://$HOST:$P_S3"
  echo "export AWS_ACCESS_KEY_ID=$S3_USER"
  echo "export AWS_SECRET_ACCESS_KEY=$S3_PASS"
  echo "export AWS_REGION=us-east-1"
}
row() { printf '%-18s %-28s %s\n' "$1" "$2" "$(if "$3" 2>/dev/null; then echo up; else echo DOWN; fi)"; }
status() {
  row "PostgreSQL" "$HOST:$P_PG" pg_ready
  row "Temporal gRPC" "$ADDRESS" temporal_ready
  row "Temporal Web UI" "http://$HOST:$P_UI" ui_ready
  row "MinIO S3 API" "http://$HOST:$P_S3" s3_ready
  echo "MinIO console      http://$HOST:$P_S3_CONSOLE (user $S3_USER)"
  echo "bucket             s3://$BUCKET   state in $RUN"
  pg_ready && temporal_ready && ui_ready && s3_ready
}

up() {
  provision
  mkdir -p "$RUN"
  start_postgres
  setup_schema
  start_temporal
  setup_namespace
  start_ui
  start_minio
  status || true
  echo
  echo "# environment for workers and the CLI:  eval \"\$(scripts/cluster.sh env)\""
  print_env
}
down() {
  stop_pid ui; stop_pid temporal; stop_pid minio
  if [ -f "$RUN/pg/data/PG_VERSION" ] && pg_ready; then as_pg "$PG_BIN/pg_ctl" -D "$RUN/pg/data" -m fast -w stop >/dev/null || true; fi
  log "stopped (data kept in $RUN)"
}

case "${1:-}" in
  provision) provision ;;
  up) up ;;
  down) down ;;
  reset) down; rm -rf "$RUN"; log "deleted $RUN" ;;
  status) status ;;
  env) print_env ;;
  restart-temporal) stop_pid temporal KILL; start_temporal; log "Temporal server restarted" ;;
  *) echo "usage: scripts/cluster.sh provision|up|status|env|down|reset|restart-temporal" >&2; exit 2 ;;
esac
