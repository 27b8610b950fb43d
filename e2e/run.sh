#!/usr/bin/env bash
# End-to-end tests: bash e2e/run.sh from anywhere. Installs what is missing (npm packages from the lockfile,
# Debian's Chromium), builds the server, and runs every test/*.test.mjs with Node's test runner against a real
# Better Auth server and the real server binary on fresh PostgreSQL databases. Exits non-zero when any step fails.
# Leaves no process and no database behind, even when interrupted.
#
# Needs PostgreSQL on $PGHOST (default 127.0.0.1) reachable as $PGUSER (default root) without a password.
# E2E_SERVER_BIN=/path/to/server skips the build and tests that binary.
set -euo pipefail
e2e_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(dirname "$e2e_dir")"
cd "$e2e_dir"

export PGHOST="${PGHOST:-127.0.0.1}"
export PGUSER="${PGUSER:-root}"
export PGPORT="${PGPORT:-5432}"

step() { printf '\n==> e2e: %s\n' "$*"; }
# shellcheck source=../scripts/node-tests.sh
. "$repo_dir/scripts/node-tests.sh"

run_dir="$(mktemp -d "${TMPDIR:-/tmp}/taskapi-e2e.XXXXXX")"
export E2E_RUN_ID="r$(date +%s)$$"
export E2E_PIDS_FILE="$run_dir/pids"
: >"$E2E_PIDS_FILE"

cleanup() {
  local status=$?
  # Servers a killed test process could not stop: only the ones this run started, by pid.
  while read -r pid; do
    if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "${E2E_SERVER_BIN:-/nonexistent}")" ]; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done <"$E2E_PIDS_FILE"
  # Databases a killed test process could not drop: only this run's, named e2e_<kind>_<run id>_<random>.
  local leftovers
  leftovers="$(psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -Atc \
    "SELECT datname FROM pg_database WHERE datname LIKE 'e2e\_%\_${E2E_RUN_ID}\_%'" 2>/dev/null || true)"
  for db in $leftovers; do
    psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  done
  rm -rf "$run_dir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "npm packages"
npm_ci_when_changed .e2e-lock-sha256

step "Chromium"
ensure_chromium

step "PostgreSQL"
wait_for_postgres

if [ -n "${E2E_SERVER_BIN:-}" ]; then
  step "server binary given: $E2E_SERVER_BIN"
else
  step "build the server"
  (cd "$repo_dir" && go build -o "$run_dir/server" ./cmd/server)
  export E2E_SERVER_BIN="$run_dir/server"
fi

step "tests"
rm -rf artifacts
mkdir -p artifacts
# One file at a time: each starts its own Better Auth and server, and the key-rotation test is timing-sensitive.
run_node_tests e2e "$run_dir/tap.txt" test/*.test.mjs
