# Shared steps of the scripts that run Node.js test suites against the server (e2e/run.sh and
# examples/nextjs/run-browser-test.sh): source it, after setting PGHOST, PGPORT and PGUSER, and defining step().
# Each function exits the script (set -e) when its step fails.

# npm_ci_when_changed MARKER: npm ci in the current directory unless node_modules was installed from this very
# package-lock.json (its checksum is kept in node_modules/MARKER).
npm_ci_when_changed() {
  local marker="node_modules/$1" lock_sum
  lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ ! -d node_modules ] || [ "$(cat "$marker" 2>/dev/null)" != "$lock_sum" ]; then
    npm ci --no-audit --no-fund
    echo "$lock_sum" >"$marker"
  else
    echo "node_modules matches package-lock.json"
  fi
}

# ensure_chromium: Debian's Chromium at /usr/bin/chromium, installed with apt-get when missing (no tool downloads a
# browser of its own).
ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  /usr/bin/chromium --version 2>/dev/null | head -n 1
}

# wait_for_postgres: PostgreSQL on $PGHOST:$PGPORT answers within 30 s, or the script fails saying so.
wait_for_postgres() {
  for _ in $(seq 1 30); do pg_isready -h "$PGHOST" -p "$PGPORT" -q && break; sleep 1; done
  pg_isready -h "$PGHOST" -p "$PGPORT" || { echo "PostgreSQL does not answer on $PGHOST:$PGPORT" >&2; exit 1; }
}

# run_node_tests LABEL TAP_FILE FILES...: node's test runner over FILES, one file at a time, its TAP output shown and
# kept in TAP_FILE; fails when a test failed, and also when none passed or any was skipped or left to do, since such
# a run proves nothing.
run_node_tests() {
  local label="$1" tap="$2" status passed skipped todo
  shift 2
  set +e
  node --test --test-reporter=tap --test-concurrency=1 --test-timeout=300000 "$@" | tee "$tap"
  status=${PIPESTATUS[0]}
  set -e
  [ "$status" -eq 0 ] || exit "$status"
  count() { awk -v k="$1" '$1 == "#" && $2 == k { print $3 }' "$tap" | tail -n 1; }
  passed="$(count pass)" skipped="$(count skipped)" todo="$(count todo)"
  if [ "${passed:-0}" -lt 1 ] || [ "${skipped:-0}" != 0 ] || [ "${todo:-0}" != 0 ]; then
    echo "$label: expected every test to run and pass (pass=${passed:-none} skipped=${skipped:-none} todo=${todo:-none})" >&2
    exit 1
  fi
}
