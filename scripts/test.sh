#!/usr/bin/env bash
# The test command: installs what the tests need (PostgreSQL, Redis, aiosmtpd, wrk), starts the servers on loopback, then runs every test.
# Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Storage").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. scripts/services.sh

command -v dotnet >/dev/null || { echo "test: the .NET SDK (dotnet) is required" >&2; exit 1; }
ensure_packages postgresql redis-server python3-aiosmtpd wrk
start_postgres
start_redis

log="$BALLAST_SERVICES_DIR/test.log"
set +e
dotnet test Ballast.slnx --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line across all test projects.
awk '/(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1)
       }
     }
     END { gsub(",", "", f); printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
