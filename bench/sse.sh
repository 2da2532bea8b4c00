#!/usr/bin/env bash
# Live updates under load: a Release `ballast serve` with 1,000 heartbeat monitors, N dashboards connected to
# /api/v1/events (bench/sse_client.py, one process, loopback), then timed state changes of one monitor (its push URL
# alternately /fail and success): how long each reaches every dashboard after the push is sent. Before the changes,
# the server's CPU over IDLE seconds with nothing changing, with no dashboard and with N (from /proc, user+system).
# Usage: bench/sse.sh [dashboards=500] [changes=10] [idle_seconds=30]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
. bench/lib.sh
dashboards=${1:-500}; changes=${2:-10}; idle=${3:-30}

build_ballast
work="$BALLAST_SERVICES_DIR/sse"; mkdir -p "$work"
# Heartbeat monitors with an hour's period: nothing is checked while the bench measures idle CPU.
serve_monitors "$work" 1000 "{ name: job-{i}, type: heartbeat, period: 1h, grace: 1h, token: bench-sse-push-token-{i} }"
token=$(dotnet "$BALLAST_DLL" token create --config "$work/ballast.yaml" --name bench --role viewer 2>/dev/null | grep -o 'blt_[A-Za-z0-9_-]*')
port=${BALLAST_URL##*:}

# idle_cpu: CPU seconds per minute the server used over the idle window.
idle_cpu() {
  local c0 c1
  c0=$(cpu_seconds "$BALLAST_PID"); sleep "$idle"; c1=$(cpu_seconds "$BALLAST_PID")
  awk -v a="$c0" -v b="$c1" -v s="$idle" 'BEGIN { printf "%.3f", (b - a) * 60 / s }'
}

sleep 5 # start-up work (JIT, first writes) settles
echo "idle, 0 dashboards: $(idle_cpu) CPU s/min, RSS $(rss_mb "$BALLAST_PID") MB"

rm -f "$work/ready" "$work/go"
/usr/bin/python3 bench/sse_client.py 127.0.0.1 "$port" "$token" bench-sse-push-token-1 job-1 "$dashboards" "$changes" \
  "$work/ready" "$work/go" > "$work/client.log" 2>&1 &
client=$!
_ballast_stops+=("kill $client")
for _ in $(seq 1200); do [ -e "$work/ready" ] && break; kill -0 "$client" 2>/dev/null || { cat "$work/client.log" >&2; exit 1; }; sleep 0.1; done
[ -e "$work/ready" ] || { echo "bench: the dashboards never connected" >&2; exit 1; }
sleep 2
echo "idle, $dashboards dashboards: $(idle_cpu) CPU s/min, RSS $(rss_mb "$BALLAST_PID") MB"

c0=$(cpu_seconds "$BALLAST_PID")
touch "$work/go"
wait "$client" || { cat "$work/client.log" >&2; exit 1; }
c1=$(cpu_seconds "$BALLAST_PID")
cat "$work/client.log"
awk -v a="$c0" -v b="$c1" -v n="$changes" 'BEGIN { printf "server CPU during the changes: %.2f s (%d changes, %d s apart)\n", b - a, n, 1 }'
