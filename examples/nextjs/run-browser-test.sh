#!/usr/bin/env bash
# The example's browser test: bash examples/nextjs/run-browser-test.sh from anywhere. Installs the packages from
# package-lock.json (skipped while node_modules matches it), builds the server binary and the example (next build),
# creates a fresh PostgreSQL database, starts the server and the example (next start) on free loopback ports, and runs
# test/*.test.mjs, which drives Debian's Chromium through playwright-core. Exits non-zero when any step fails or a
# check did not run. Stops everything it started and drops its database, also when interrupted.
#
# Needs PostgreSQL on $PGHOST (default 127.0.0.1) reachable as $PGUSER (default root) without a password, Node.js 20,
# Go, and /usr/bin/chromium (installed with apt when missing). Screenshots and logs go to artifacts/.
# TASKAPI_SERVER_BIN=/path/to/server skips the server build and tests that binary.
set -euo pipefail
example_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(cd "$example_dir/../.." && pwd)"
cd "$example_dir"

export PGHOST="${PGHOST:-127.0.0.1}"
export PGUSER="${PGUSER:-root}"
export PGPORT="${PGPORT:-5432}"
# Nothing here may download a browser or report telemetry.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export NEXT_TELEMETRY_DISABLED=1

step() { printf '\n==> nextjs example: %s\n' "$*"; }
# shellcheck source=../../scripts/node-tests.sh
. "$repo_dir/scripts/node-tests.sh"
started=$(date +%s)

run_dir="$(mktemp -d "${TMPDIR:-/tmp}/taskapi-nextjs.XXXXXX")"
db_name="nextjs_example_$(date +%s)_$$"
db_created=
pids=()

cleanup() {
  local status=$?
  # Each server runs in a process group of its own (setsid), so next start's workers go with it.
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  if [ -n "$db_created" ]; then
    psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -qc "DROP DATABASE IF EXISTS \"$db_name\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$run_dir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "npm packages"
# better-sqlite3 compiles from source where its prebuilt binary cannot be fetched; node-gyp then needs Node's
# headers, which it would download unless told where the installed ones are (Debian's nodejs ships them).
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_version.h ]; then
  export npm_config_nodedir=/usr
fi
npm_ci_when_changed .example-lock-sha256

step "Chromium"
ensure_chromium

step "PostgreSQL"
wait_for_postgres

server_bin="$run_dir/server"
if [ -n "${TASKAPI_SERVER_BIN:-}" ]; then
  step "server binary given: $TASKAPI_SERVER_BIN"
  server_bin="$TASKAPI_SERVER_BIN"
else
  step "build the server"
  (cd "$repo_dir" && go build -o "$server_bin" ./cmd/server)
fi

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
api_port="$(free_port)"
app_port="$(free_port)"
while [ "$app_port" = "$api_port" ]; do app_port="$(free_port)"; done
export APP_URL="http://127.0.0.1:$app_port"
export API_URL="http://127.0.0.1:$api_port"
step "build the example (next build)"
# The build evaluates the auth module, which opens its SQLite file: keep that one out of the work tree.
BETTER_AUTH_SECRET="build-only-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  AUTH_DATABASE_PATH="$run_dir/build/auth.db" \
  BETTER_AUTH_URL="$APP_URL" \
  npx --no-install next build

# Short-lived tokens, so that the test sees the app renew one before exp.
export TOKEN_TTL_SECONDS="${TOKEN_TTL_SECONDS:-20}"

rm -rf artifacts
mkdir -p artifacts

step "database $db_name"
psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -v ON_ERROR_STOP=1 -qc "CREATE DATABASE \"$db_name\""
db_created=1

step "start the server on $API_URL and the example on $APP_URL"
mkdir -p "$run_dir/api-data"
setsid env -i PATH="$PATH" HOME="${HOME:-$run_dir}" TMPDIR="$run_dir" \
  PORT="$api_port" \
  DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$db_name?sslmode=disable" \
  BETTER_AUTH_URL="$APP_URL" \
  CORS_ORIGINS="$APP_URL" \
  DATA_DIR="$run_dir/api-data" \
  LOG_FORMAT=json \
  SHUTDOWN_GRACE=0s \
  "$server_bin" >artifacts/server.log 2>&1 &
pids+=("$!")
setsid env -i PATH="$PATH" HOME="${HOME:-$run_dir}" TMPDIR="$run_dir" \
  NEXT_TELEMETRY_DISABLED=1 \
  BETTER_AUTH_URL="$APP_URL" \
  BETTER_AUTH_SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  AUTH_DATABASE_PATH="$run_dir/auth.db" \
  AUTH_JWT_EXPIRES_IN="${TOKEN_TTL_SECONDS}s" \
  GRAPHQL_URL="$API_URL/graphql" \
  ./node_modules/.bin/next start -H 127.0.0.1 -p "$app_port" >artifacts/next.log 2>&1 &
pids+=("$!")

wait_for() { # url what
  for _ in $(seq 1 600); do
    if curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; then return 0; fi
    for pid in "${pids[@]}"; do
      kill -0 "$pid" 2>/dev/null || { echo "$2 exited before it was ready; see artifacts/" >&2; tail -n 20 artifacts/*.log >&2; exit 1; }
    done
    sleep 0.1
  done
  echo "$2 not ready after 60 s; see artifacts/" >&2
  exit 1
}
wait_for "$API_URL/readyz" "the server"
wait_for "$APP_URL/api/auth/jwks" "the example"

step "browser test"
run_node_tests "nextjs example" "$run_dir/tap.txt" test/*.test.mjs
echo "nextjs example: install, build and browser test took $(( $(date +%s) - started )) s"
