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
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -d node_modules ] || [ "$(cat node_modules/.e2e-lock-sha256 2>/dev/null)" != "$lock_sum" ]; then
  npm ci --no-audit --no-fund
  echo "$lock_sum" >node_modules/.e2e-lock-sha256
else
  echo "node_modules matches package-lock.json"
fi

step "Chromium"
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
/usr/bin/chromium --version 2>/dev/null | head -n 1

step "PostgreSQL"
for _ in $(seq 1 30); do pg_isready -h "$PGHOST" -p "$PGPORT" -q && break; sleep 1; done
pg_isready -h "$PGHOST" -p "$PGPORT" || { echo "PostgreSQL does not answer on $PGHOST:$PGPORT" >&2; exit 1; }

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
set +e
node --test --test-reporter=tap --test-concurrency=1 --test-timeout=300000 test/*.test.mjs | tee "$run_dir/tap.txt"
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || exit "$status"
# A run that passed nothing, or skipped or left anything to do, proves nothing: fail it.
count() { awk -v k="$1" '$1 == "#" && $2 == k { print $3 }' "$run_dir/tap.txt" | tail -n 1; }
passed="$(count pass)" skipped="$(count skipped)" todo="$(count todo)"
if [ "${passed:-0}" -lt 1 ] || [ "${skipped:-0}" != 0 ] || [ "${todo:-0}" != 0 ]; then
  echo "e2e: expected every test to run and pass (pass=${passed:-none} skipped=${skipped:-none} todo=${todo:-none})" >&2
  exit 1
fi
