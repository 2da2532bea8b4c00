#!/usr/bin/env bash
# Lines per second of `ballast logs scan --pack nestjs --pack aspnetcore` against `grep -c -F` with the packs' literal
# patterns, over the same generated log (NestJS console and ASP.NET Core console lines, a few matches), in one run.
# Usage: bench/logs-scan.sh [size_mb=1100] [rounds=3]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
. bench/lib.sh
size_mb=${1:-1100}; rounds=${2:-3}

build_ballast
work="$BALLAST_SERVICES_DIR/logs-scan"; mkdir -p "$work"
log="$work/app.log"

if [ ! -f "$log" ] || [ "$(stat -c %s "$log")" -lt $((size_mb * 1000000)) ]; then
  python3 - "$work/block.log" "$work/matches.log" <<'PY'
import random, sys
random.seed(12)
routes = ["/api/chat", "/api/users/me", "/health/live", "/api/orders", "/api/catalog/items?page=2"]
lines = []
for i in range(2000):
    s = i % 60; m = (i // 60) % 60
    if i % 2:
        lines.append(f"[Nest] 1  - 11/29/2026, 2:{m:02d}:{s:02d} AM     LOG [ChatService] conversation {random.randint(1000, 99999)} answered in {random.randint(80, 2400)}ms, {random.randint(100, 4000)} tokens")
    else:
        lines.append(f"2026-11-29T02:{m:02d}:{s:02d}.{random.randint(0, 999):03d}Z info: Microsoft.AspNetCore.Hosting.Diagnostics[2] Request finished HTTP/1.1 GET http://api.internal{random.choice(routes)} - 200 {random.randint(100, 9000)} application/json {random.random() * 40:.4f}ms")
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
open(sys.argv[2], "w").write(
    "[Nest] 1  - 11/29/2026, 3:00:00 AM   ERROR [TypeOrmModule] Unable to connect to the database. Retrying (1)...\n"
    "2026-11-29T03:00:01.000Z fail: Npgsql.NpgsqlException (0x80004005): Failed to connect to 10.0.0.5:5432\n"
    "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n")
PY
  : > "$log"
  cat "$work/block.log" "$work/matches.log" > "$work/chunk.log"
  for _ in $(seq 1 8); do cat "$work/chunk.log" "$work/chunk.log" > "$work/chunk2.log"; mv "$work/chunk2.log" "$work/chunk.log"; done
  while [ "$(stat -c %s "$log")" -lt $((size_mb * 1000000)) ]; do cat "$work/chunk.log" >> "$log"; done
  rm -f "$work/chunk.log"
fi
lines=$(wc -l < "$log")
echo "bench: $log, $(($(stat -c %s "$log") / 1000000)) MB, $lines lines" >&2

# The packs' literal patterns (src/Ballast.Core/Logs/Packs/LogPacks.cs), as grep -F takes them.
patterns=(
  "Starting Nest application" "Nest application successfully started" "[ExceptionsHandler]" "uncaughtException"
  "UnhandledPromiseRejection" "Can't reach database server at" "Server has closed the connection"
  "Unable to connect to the database" "Connection terminated unexpectedly" "password authentication failed for user"
  "[ioredis] Unhandled error event" "MaxRetriesPerRequestError" "JavaScript heap out of memory"
  "Hosting starting" "Now listening on:" "Application started." "An unhandled exception has occurred while executing the request"
  "Unhandled exception. " "Npgsql.NpgsqlException" "Failed to connect to"
  "A network-related or instance-specific error occurred while establishing a connection to SQL Server"
  "StackExchange.Redis.RedisConnectionException" "It was not possible to connect to the redis server" "System.OutOfMemoryException"
)
grep_args=(); for p in "${patterns[@]}"; do grep_args+=(-e "$p"); done

# Output to a file, not /dev/null: GNU grep stops at the first match when it writes to /dev/null.
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" > "$work/out" 2>&1 || true; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

cat "$log" > /dev/null # both start from the page cache
g=(); b=()
for round in $(seq 1 "$rounds"); do
  g+=("$(seconds env LC_ALL=C grep -c -F "${grep_args[@]}" "$log")")
  b+=("$(seconds dotnet "$BALLAST_DLL" logs scan --pack nestjs --pack aspnetcore "$log")")
  echo "bench: round $round: grep ${g[-1]} s, ballast ${b[-1]} s" >&2
done
matches=$(LC_ALL=C grep -c -F "${grep_args[@]}" "$log")
firings=$(dotnet "$BALLAST_DLL" logs scan --pack nestjs --pack aspnetcore --json "$log" 2>/dev/null | grep -c '"event":"firing"' || true)
gm=$(median "${g[@]}"); bm=$(median "${b[@]}")
printf 'lines          %d (%d matching lines, %d firings)\n' "$lines" "$matches" "$firings"
printf 'grep -c -F     %.2f s  %.2f M lines/s\n' "$gm" "$(echo "$lines / $gm / 1000000" | bc -l)"
printf 'ballast scan   %.2f s  %.2f M lines/s\n' "$bm" "$(echo "$lines / $bm / 1000000" | bc -l)"
printf 'ratio          %.2f of grep'"'"'s rate (goal >= 0.5)\n' "$(echo "$gm / $bm" | bc -l)"
