#!/usr/bin/env bash
# Runs every test of VisitorGrains, C# and JS, and ends with one line:
# "N passed, N failed[, N skipped]". Exits non-zero if anything failed (or was skipped).
# Installs what the tests need and the machine lacks: the tracker's, the lists' and the web UI's npm packages,
# Debian's chromium and postgresql.
set -uo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

passed=0 failed=0 skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

finish() {
  local summary="$passed passed, $failed failed"
  [ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
  echo "$summary"
  [ "$failed" -eq 0 ] && [ "$skipped" -eq 0 ]
  exit $?
}

# The tracker first: the API ships its build as /vg.js.
if ! (cd tracker-js && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent); then
  echo "tracker-js: npm ci or build failed"
  failed=$((failed + 1))
  finish
fi

# The maintained lists identification reads (free-mail, disposable, public suffixes): shipped with the build.
if ! (cd lists && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && npm run build --silent); then
  echo "lists: npm ci or build failed"
  failed=$((failed + 1))
  finish
fi

# The web UI (web/): the API ships its build and serves it at /login, /, /companies/…, /rules.
if ! (cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent); then
  echo "web: npm ci or build failed"
  failed=$((failed + 1))
  finish
fi

if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests"
  as_root=""
  [ "$(id -u)" -ne 0 ] && as_root="sudo"
  $as_root apt-get update -qq && $as_root apt-get install -y -qq chromium >/dev/null
fi

# The cluster tests run a real PostgreSQL server (scripts/postgres.sh starts a throwaway one per run).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "Installing Debian's postgresql for the cluster tests"
  as_root=""
  [ "$(id -u)" -ne 0 ] && as_root="sudo"
  $as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq postgresql >/dev/null
fi

if ! dotnet build VisitorGrains.sln -c Release -v quiet -nologo; then
  echo "build failed"
  failed=$((failed + 1))
  finish
fi

# C#: unit, grain (in-process Orleans cluster) and end-to-end (Kestrel, SignalR, SQLite, kill -9) tests.
dotnet test VisitorGrains.sln -c Release --no-build --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
counted=0
while read -r f p s; do
  failed=$((failed + f)); passed=$((passed + p)); skipped=$((skipped + s)); counted=1
done < <(sed -nE 's/.*(Passed|Failed)!.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \3 \4/p' "$log")
if [ "$status" -ne 0 ] && { [ "$counted" -eq 0 ] || [ "$failed" -eq 0 ]; }; then
  # The runner failed without reporting a failed test (a crashed test host): count it.
  failed=$((failed + 1))
fi

# JS: the tracker's unit and browser tests, then the web UI's browser tests (Chromium against the real
# API process each).
for suite in tracker-js/test/ web/test/; do
  node --test "$suite" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  js_pass=$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$log" | tail -1)
  js_fail=$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$log" | tail -1)
  js_skip=$(sed -nE 's/^# skipped ([0-9]+)$/\1/p' "$log" | tail -1)
  passed=$((passed + ${js_pass:-0})); failed=$((failed + ${js_fail:-0})); skipped=$((skipped + ${js_skip:-0}))
  if [ "$status" -ne 0 ] && [ "${js_fail:-0}" -eq 0 ]; then
    failed=$((failed + 1))
  fi
done

finish
