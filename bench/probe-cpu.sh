#!/usr/bin/env bash
# CPU seconds per HTTP probe: Ballast vs Prometheus' blackbox_exporter, both probing the same local nginx with a
# fresh connection per probe, in the same run. blackbox is driven through /probe by wrk; Ballast runs its own
# scheduler with fresh_connection monitors. Each side's CPU is read from /proc for its process only.
# Usage: bench/probe-cpu.sh [seconds=30] [rounds=3] [ballast_monitors=1000]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
. bench/lib.sh
seconds=${1:-30}; rounds=${2:-3}; monitors=${3:-1000}

ensure_packages nginx-light wrk prometheus-blackbox-exporter
build_ballast
start_nginx
work="$BALLAST_SERVICES_DIR/probe-cpu"; mkdir -p "$work"

# blackbox_exporter: the stock http_2xx module; every probe builds a new client, so a new connection.
cat > "$work/blackbox.yml" <<YML
modules:
  http_2xx:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
YML
bb_port=$(free_port)
prometheus-blackbox-exporter --config.file="$work/blackbox.yml" --web.listen-address="127.0.0.1:$bb_port" --log.level=warn > "$work/blackbox.log" 2>&1 &
bb_pid=$!
_ballast_stops+=("kill $bb_pid")
wait_http "http://127.0.0.1:$bb_port/metrics"

# Ballast: monitors every second, fresh connection per check, same target.
serve_monitors "$work" "$monitors" "{ name: m{i}, type: http, url: 'http://127.0.0.1:$TARGET_PORT/health', interval: 1s, fresh_connection: true }"
b_pid=$BALLAST_PID
sleep 5 # JIT and connection warm-up

completed() { curl -fsS --retry 5 --retry-all-errors "$BALLAST_URL/api/v1/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["scheduler"]["completed"])'; }

results=()
for round in $(seq 1 "$rounds"); do
  # Ballast alone for the window.
  c0=$(cpu_seconds "$b_pid"); n0=$(completed)
  sleep "$seconds"
  c1=$(cpu_seconds "$b_pid"); n1=$(completed)
  ballast=$(awk -v c="$(awk -v a="$c1" -v b="$c0" 'BEGIN{print a-b}')" -v n="$((n1 - n0))" 'BEGIN { printf "%.1f", c / n * 1e6 }')
  ballast_rate=$(awk -v n="$((n1 - n0))" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')

  # blackbox through wrk, while Ballast is paused (SIGSTOP) so the two never share the CPU.
  kill -STOP "$b_pid"
  c0=$(cpu_seconds "$bb_pid")
  out=$(wrk -t1 -c8 -d"${seconds}s" "http://127.0.0.1:$bb_port/probe?module=http_2xx&target=http://127.0.0.1:$TARGET_PORT/health")
  c1=$(cpu_seconds "$bb_pid")
  kill -CONT "$b_pid"
  probes=$(echo "$out" | awk '/requests in/ { print $1 }')
  blackbox=$(awk -v c="$(awk -v a="$c1" -v b="$c0" 'BEGIN{print a-b}')" -v n="$probes" 'BEGIN { printf "%.1f", c / n * 1e6 }')
  blackbox_rate=$(awk -v n="$probes" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')
  ratio=$(awk -v a="$ballast" -v b="$blackbox" 'BEGIN { printf "%.2f", a / b }')
  echo "round $round: ballast ${ballast}µs/probe at ${ballast_rate}/s · blackbox ${blackbox}µs/probe at ${blackbox_rate}/s · ratio $ratio"
  results+=("$ratio $ballast $blackbox")
done
printf '%s\n' "${results[@]}" | sort -n | awk '{ r[NR]=$1; b[NR]=$2; x[NR]=$3 } END { m=int((NR+1)/2); printf "median: ballast %sµs/probe, blackbox %sµs/probe, ratio %s\n", b[m], x[m], r[m] }'
