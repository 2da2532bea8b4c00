#!/usr/bin/env bash
# The dashboard's overview and monitor pages with 10,000 monitors and 30 days of aggregates: server time per page for
# one viewer, and for 20 viewers at once, on a Release `ballast serve` with SQLite.
# The history is seeded before the server starts by sqlite3 writing the rows the writer would have written
# (monitors, day rows for 30 days, hour rows for 8 days, the latest 20 raw results and the latest status of each);
# Ballast has no seeding feature. The viewer logs in with a user made by `ballast user add` (password on stdin) and
# sends the session cookie, as a browser does.
# Each round drives every page three ways with wrk: one viewer reloading as fast as it answers; 20 viewers who each
# reload once a second (what 20 people with the dashboard open do, and what the issue's "20 concurrent viewers"
# measures); 20 connections reloading as fast as answered (the ceiling, requests a second). Latency is wrk's on
# loopback (request sent to response read), so it is the server's time plus well under a millisecond.
# Usage: bench/dashboard.sh [monitors=10000] [rounds=3] [seconds=10]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
. bench/lib.sh
monitors=${1:-10000}; rounds=${2:-3}; seconds=${3:-10}

ensure_packages wrk sqlite3 curl
build_ballast
work="$BALLAST_SERVICES_DIR/dashboard"; mkdir -p "$work"
port=$(free_port)
url="http://127.0.0.1:$port"

# Heartbeats with a long period: nothing is probed during the run, so the server's time is the pages'.
{
  echo "server: { listen: '$url', storage: 'sqlite:ballast.db' }"
  echo "monitors:"
  awk -v n="$monitors" 'BEGIN { for (i = 1; i <= n; i++) printf "  - { name: job-%05d, type: heartbeat, period: 1h, grace: 1h, tags: [team-%d, %s] }\n", i, i % 20, (i % 3 ? "batch" : "nightly") }'
} > "$work/ballast.yaml"

# The user, which also creates the database and its schema.
echo "bench-viewer-password-7" | dotnet "$BALLAST_DLL" user add bench --role viewer --config "$work/ballast.yaml" >/dev/null

now=$(( $(date +%s) * 1000 ))
day0=$(( now - now % 86400000 ))
hour0=$(( now - now % 3600000 ))
start=$(date +%s)
# The rows MonitoringWriter writes for a monitor checked every 60 s: a day row holds 1,440 checks and an hour row 60,
# each with its latency histogram (h0..h15, bounds in LatencyHistogram: 5, 10, 25, 50, 100, 200, 300, 500 ms, ...).
# Some days of some monitors lost 30 checks, so the bars are not all one colour.
zeros=$(printf ', 0%.0s' $(seq 1 9))
sqlite3 "$work/ballast.db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
INSERT INTO monitors (name)
  WITH RECURSIVE m(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM m WHERE i < $monitors)
  SELECT printf('job-%05d', i) FROM m;
INSERT INTO aggregates (monitor_id, resolution, bucket, checks, up, latency_sum_us, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11, h12, h13, h14, h15)
  WITH RECURSIVE d(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM d WHERE k < 29)
  SELECT m.id, 2, $day0 - d.k * 86400000, 1440, 1440 - 30 * ((m.id * 7 + d.k) % 23 = 0), 1440 * 42000,
         0, 0, 0, 1200, 200, 30, 10$zeros
  FROM monitors m, d ORDER BY m.id, 3;
INSERT INTO aggregates (monitor_id, resolution, bucket, checks, up, latency_sum_us, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11, h12, h13, h14, h15)
  WITH RECURSIVE h(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM h WHERE k < 191)
  SELECT m.id, 1, $hour0 - h.k * 3600000, 60, 60, 60 * 42000, 0, 0, 0, 50 - (h.k % 7), 8, 2 + (h.k % 7), 0$zeros
  FROM monitors m, h ORDER BY m.id, 3;
INSERT INTO check_results (monitor_id, started_at, latency_us, passed, status, cause)
  WITH RECURSIVE r(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM r WHERE k < 19)
  SELECT m.id, $now - r.k * 60000, 30000 + r.k * 1000, 1, NULL, NULL FROM monitors m, r ORDER BY m.id, 2;
INSERT INTO monitor_status (monitor, state, consecutive_failures, consecutive_successes, first_failure_at, incident_id, last_check_at, last_latency_ms, last_error, last_success_at, changed_at)
  SELECT name, 'Up', 0, 20, NULL, NULL, $now, 30.0 + id % 50, NULL, $now, $now - 86400000 FROM monitors;
COMMIT;
SQL
echo "bench: seeded $monitors monitors in $(( $(date +%s) - start )) s; database $(du -m "$work/ballast.db" | cut -f1) MB" >&2

dotnet "$BALLAST_DLL" serve --config "$work/ballast.yaml" > "$work/serve.log" 2>&1 &
pid=$!
_ballast_stops+=("kill $pid")
wait_http "$url/health/ready"

# Log in as a browser does; the session cookie is what every request then sends.
curl -fsS -c "$work/jar" -H 'Content-Type: application/json' -d '{"name":"bench","password":"bench-viewer-password-7"}' "$url/api/v1/session" >/dev/null
cookie=$(sed 's/^#HttpOnly_//' "$work/jar" | awk '!/^#/ && NF >= 7 { printf "%s%s=%s", sep, $6, $7; sep = "; " }')

one=$(printf "job-%05d" $(( monitors * 42 / 100 )))
pages=("/" "/?tag=team-7&state=up&q=job-0" "/monitors/$one" "/monitors/$one?range=30d")
check_page() { # PATH EXPECTED_TEXT
  local body; body=$(curl -fsS -H "Cookie: $cookie" -H 'Accept: text/html' "$url$1")
  grep -q "$2" <<<"$body" || { echo "bench: $1 does not show '$2'" >&2; exit 1; }
}
check_page "/" "Showing 1–100 of"
check_page "/?tag=team-7&state=up&q=job-0" "Showing 1–"
check_page "/monitors/$one" "p50 between"
check_page "/monitors/$one?range=30d" "p50 between"

lua() { # DELAY_MS -> a wrk script sending the cookie and printing p50/p95/p99 in ms and the request rate
  cat <<LUA
wrk.headers["Cookie"] = "$cookie"
wrk.headers["Accept"] = "text/html"
$([ "$1" -gt 0 ] && echo "function delay() return $1 end")
function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %.1f %.1f %.1f %.1f %d\n", latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6), errors))
end
LUA
}
lua 0 > "$work/fast.lua"; lua 1000 > "$work/viewer.lua"

run() { # MODE PATH -> "p50 p95 p99 rate cpu_ms_per_request"
  local out c0 c1 n
  c0=$(cpu_seconds "$pid")
  case $1 in
    single) out=$(wrk -t1 -c1 --timeout 10s -d"${seconds}s" -s "$work/fast.lua" "$url$2") ;;
    viewers) out=$(wrk -t2 -c20 --timeout 10s -d"${seconds}s" -s "$work/viewer.lua" "$url$2") ;;
    ceiling) out=$(wrk -t2 -c20 --timeout 10s -d"${seconds}s" -s "$work/fast.lua" "$url$2") ;;
  esac
  c1=$(cpu_seconds "$pid")
  read -r _ p50 p95 p99 rate errors <<<"$(grep '^RESULT' <<<"$out")"
  [ "$errors" = 0 ] || echo "bench: $1 $2 had $errors errors (timeouts count: wrk gives up after 10 s)" >&2
  n=$(awk '/requests in/ { print $1 }' <<<"$out")
  echo "$p50 $p95 $p99 $rate $(awk -v a="$c0" -v b="$c1" -v n="$n" 'BEGIN { printf "%.1f", (b - a) / n * 1000 }')"
}

# Warm-up: the first requests JIT-compile the pages.
for path in "${pages[@]}"; do wrk -t1 -c2 -d3s -s "$work/fast.lua" "$url$path" >/dev/null; done

for r in $(seq 1 "$rounds"); do
  for path in "${pages[@]}"; do
    for mode in single viewers ceiling; do
      echo "$path $mode $(run "$mode" "$path")" >> "$work/results"
    done
  done
  echo "bench: round $r done" >&2
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
echo
echo "$monitors monitors, $rounds rounds of ${seconds} s, median of rounds (ms; rate in requests/s; server CPU ms per request)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
printf '%-36s %-8s %8s %8s %8s %8s %8s\n' page viewers p50 p95 p99 rate cpu/req
for path in "${pages[@]}"; do
  for mode in single viewers ceiling; do
    cols=()
    for c in 3 4 5 6 7; do cols+=("$(awk -v p="$path" -v m="$mode" -v c="$c" '$1 == p && $2 == m { print $c }' "$work/results" | median)"); done
    printf '%-36s %-8s %8s %8s %8s %8s %8s\n' "$path" "$mode" "${cols[@]}"
  done
done
echo "server RSS at the end: $(rss_mb "$pid") MB"
