#!/usr/bin/env bash
# /health/ready of samples/SampleApi under wrk, with its PostgreSQL and Redis ready checks cached (2 s by default):
# requests/s and latency, and how many dependency round-trips the probes caused. PostgreSQL logs every statement
# for the run (the health query is counted in its log); Redis counts its PINGs (INFO commandstats).
# For comparison in the same run: /health/live (no dependency touched) on the same process.
# Usage: bench/ready.sh [seconds=15] [connections=64] [rounds=3]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
. bench/lib.sh
seconds=${1:-15}; connections=${2:-64}; rounds=${3:-3}

ensure_packages postgresql redis-server wrk
start_postgres
start_redis
work="$BALLAST_SERVICES_DIR/ready"; mkdir -p "$work"
dotnet publish samples/SampleApi -c Release -o "$work/app" --nologo -v quiet >/dev/null

psql_url="${BALLAST_TEST_POSTGRES}"
pg_log="$BALLAST_SERVICES_DIR/postgres/server.log"
su postgres -s /bin/sh -c "psql -q -d '$psql_url' -c \"ALTER SYSTEM SET log_statement = 'all'\" -c 'SELECT pg_reload_conf()'" >/dev/null

port=$(free_port)
DATABASE_URL="$psql_url" REDIS_URL="redis://$BALLAST_TEST_REDIS" BALLAST_RELEASE=162 PORT=$port \
  dotnet "$work/app/SampleApi.dll" > "$work/app.log" 2>&1 &
app_pid=$!
_ballast_stops+=("kill $app_pid")
wait_http "http://127.0.0.1:$port/health/ready"

health_queries() { grep -cE '(statement|execute [^:]*): SELECT 1;?$' "$pg_log" || true; }
redis_pings() { redis-cli -p "${BALLAST_TEST_REDIS##*:}" info commandstats | awk -F'[=,]' '/^cmdstat_ping:/ { print $2 }'; }

# run PATH: one wrk window; prints "req/s p50 p99" (latencies in ms).
run() {
  wrk -t2 -c"$connections" -d"${seconds}s" --latency "http://127.0.0.1:$port$1" > "$work/wrk.txt"
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^Requests\/sec:/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
    /Non-2xx/ { bad = $NF }
    END { if (bad) { print "bench: non-2xx answers: " bad > "/dev/stderr"; exit 1 } printf "%.0f %.2f %.2f\n", rps, p50, p99 }' "$work/wrk.txt"
}

run /health/ready >/dev/null # warm-up: JIT, connection pools
echo "| round | /health/ready req/s | p50 ms | p99 ms | PostgreSQL health queries | Redis PINGs (2 a run) | cache periods | /health/live req/s | p99 ms |"
echo "|---|---|---|---|---|---|---|---|---|"
for round in $(seq 1 "$rounds"); do
  q0=$(health_queries); r0=$(redis_pings)
  read -r rps p50 p99 < <(run /health/ready)
  sleep 0.5 # the last statements reach the log
  q=$(( $(health_queries) - q0 )); r=$(( $(redis_pings) - r0 ))
  read -r lrps _ lp99 < <(run /health/live)
  echo "| $round | $rps | $p50 | $p99 | $q | $r | $(awk -v s="$seconds" 'BEGIN { printf "%.1f", s / 2 }') | $lrps | $lp99 |"
done
