#!/usr/bin/env bash
# /metrics with N monitors: how long a scrape takes (server and transfer, as curl sees it), its size and series count.
# Each scrape reads the engine's snapshot and two grouped counts from storage, and writes every series out.
# Usage: bench/metrics.sh [monitors=10000] [scrapes=50]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. bench/lib.sh
monitors=${1:-10000}; scrapes=${2:-50}

ensure_packages nginx-light
build_ballast
start_nginx
work="$BALLAST_SERVICES_DIR/metrics"; mkdir -p "$work"
serve_monitors "$work" "$monitors" "{ name: m{i}, type: http, url: 'http://127.0.0.1:$TARGET_PORT/health?m={i}', interval: 10s, timeout: 5s, tags: [bench, 'g{i}'] }"
token=$(dotnet "$BALLAST_DLL" token create --config "$work/ballast.yaml" --name prometheus --role viewer 2>/dev/null | grep -o 'blt_[A-Za-z0-9_-]*')
# Every monitor checked once (first runs are spread over the interval), so every series exists.
sleep 12
curl -fsS -H "Authorization: Bearer $token" "$BALLAST_URL/metrics" > "$work/metrics.txt"
for _ in $(seq 5); do curl -fsS -o /dev/null -H "Authorization: Bearer $token" "$BALLAST_URL/metrics"; done  # warm-up
cpu0=$(cpu_seconds "$BALLAST_PID")
for _ in $(seq "$scrapes"); do
  curl -fsS -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$BALLAST_URL/metrics"
done > "$work/times.txt"
cpu=$(awk -v a="$(cpu_seconds "$BALLAST_PID")" -v b="$cpu0" 'BEGIN { printf "%.2f", a - b }')
python3 - "$monitors" "$scrapes" "$cpu" "$work/times.txt" "$work/metrics.txt" <<'PY'
import sys, statistics
monitors, scrapes, cpu = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
times = sorted(float(t) * 1000 for t in open(sys.argv[4]))
text = open(sys.argv[5]).read()
series = sum(1 for l in text.splitlines() if l and not l.startswith('#'))
up = sum(1 for l in text.splitlines() if l.startswith('ballast_monitor_up{'))
print(f"monitors={monitors} scrapes={scrapes} size={len(text.encode()) / 1e6:.1f}MB series={series} monitor_up series={up}")
print(f"scrape time p50={statistics.median(times):.0f}ms p95={times[int(len(times) * 0.95) - 1]:.0f}ms max={times[-1]:.0f}ms")
print(f"server CPU per scrape={cpu / scrapes * 1000:.0f}ms (checks included: 1,000 a second run meanwhile)")
PY
