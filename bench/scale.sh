#!/usr/bin/env bash
# Scale: N HTTP monitors at one interval against a local nginx for a while.
# Reports checks done vs scheduled, start-lag percentiles, peak RSS, and database bytes per monitor-day.
# Usage: bench/scale.sh [monitors=10000] [seconds=600] [interval_s=10]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. bench/lib.sh
monitors=${1:-10000}; seconds=${2:-600}; interval=${3:-10}

ensure_packages nginx-light
build_ballast
start_nginx
work="$BALLAST_SERVICES_DIR/scale"; mkdir -p "$work"
serve_monitors "$work" "$monitors" "{ name: m{i}, type: http, url: 'http://127.0.0.1:$TARGET_PORT/health?m={i}', interval: ${interval}s, timeout: 5s }"
pid=$BALLAST_PID
start=$(date +%s.%N); cpu0=$(cpu_seconds "$pid"); peak=0
while :; do
  now=$(date +%s.%N)
  awk -v n="$now" -v s="$start" -v d="$seconds" 'BEGIN { exit !(n - s >= d) }' && break
  r=$(rss_mb "$pid"); peak=$(awk -v a="$peak" -v b="$r" 'BEGIN { print (b > a ? b : a) }')
  sleep 2
done
elapsed=$(awk -v n="$(date +%s.%N)" -v s="$start" 'BEGIN { printf "%.1f", n - s }')
cpu=$(awk -v a="$(cpu_seconds "$pid")" -v b="$cpu0" 'BEGIN { printf "%.1f", a - b }')
stats=$(curl -fsS "$BALLAST_URL/api/v1/stats")
kill -TERM "$pid"; wait "$pid" || true
db_bytes=$(du -cb "$work"/ballast.db* | tail -n 1 | cut -f1)
rows=$(python3 - "$work/ballast.db" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select count(*) from check_results").fetchone()[0])
PY
)
python3 - "$monitors" "$interval" "$elapsed" "$cpu" "$peak" "$db_bytes" "$rows" "$stats" <<'PY'
import json, sys
monitors, interval, elapsed, cpu, peak, db, rows = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
s = json.loads(sys.argv[8])["scheduler"]
# Every monitor runs once per interval from its first run, which falls within the first interval.
scheduled = monitors * (elapsed / interval)
print(f"monitors={monitors} interval={interval:g}s duration={elapsed:.0f}s")
print(f"scheduled≈{scheduled:.0f} completed={s['completed']} rows={rows} done={100 * s['completed'] / scheduled:.2f}% missed={s['missed']}")
print(f"start lag p50≤{s['startLagP50Ms']}ms p99≤{s['startLagP99Ms']}ms")
print(f"peak RSS={peak:.0f}MB cpu={cpu:.0f}s ({cpu / max(1, s['completed']) * 1e6:.0f}µs per check incl. storage)")
print(f"database={db / 1e6:.1f}MB → {db / (monitors * elapsed / 86400):.0f} bytes per monitor-day")
PY
