#!/usr/bin/env bash
# The test command: installs what the tests need (PostgreSQL, Redis, aiosmtpd, wrk, Chromium for the browser tests, promtool from prometheus), starts the servers on loopback, then runs every test.
# Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Storage").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. scripts/services.sh

command -v dotnet >/dev/null || { echo "test: the .NET SDK (dotnet) is required" >&2; exit 1; }
ensure_packages postgresql redis-server python3-aiosmtpd wrk chromium prometheus
start_postgres
start_redis

log="$BALLAST_SERVICES_DIR/test.log"
set +e
dotnet test Ballast.slnx --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line across all test projects. A skipped test counts as a failure: a test that did not run proved nothing.
read -r passed failed skipped < <(awk '/(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) {
         v = $(i+1); gsub(",", "", v)
         if ($i == "Failed:") f += v; if ($i == "Passed:") p += v; if ($i == "Skipped:") s += v
       }
     }
     END { printf "%d %d %d\n", p, f, s }' "$log")
[ "$skipped" -eq 0 ] || echo "test: $skipped tests were skipped and count as failed: every test must run"
# A build error or a crashed test host fails the run without a failed test to count: the closing line says so too.
broken=0
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then broken=1; echo "test: dotnet test exited $status (a build error or a test host that crashed; see above)"; fi
echo "tests: $passed passed, $((failed + skipped + broken)) failed"
[ "$status" -ne 0 ] && exit "$status"
[ "$passed" -gt 0 ] || { echo "test: no test ran" >&2; exit 1; }
[ "$skipped" -eq 0 ] || exit 1
exit 0
