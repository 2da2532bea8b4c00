#!/usr/bin/env bash
# CPU per API request with a Bearer token against the same request answered anonymously, in the same run and build:
# two `ballast serve` processes on the same config, one with `server.anonymous_read: true` (the route is public
# there), the other requiring a viewer token. Both are driven at once, each by its own wrk at a capped rate
# (connections × 1000 / delay ms, 5,000 req/s by default), so whatever else the machine does in a round falls on both
# sides alike; each side's CPU time is read from /proc for its process only.
# BENCH_CONTROL=1 runs the same with both sides anonymous: the difference the method itself shows, its noise floor.
# PATH is the API request: GET /api/v1/session (the cheapest there is, so authentication weighs most) by default.
# Usage: bench/auth-cpu.sh [seconds=20] [rounds=5] [rate=5000] [path=/api/v1/session]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
. bench/lib.sh
seconds=${1:-20}; rounds=${2:-5}; rate=${3:-5000}; path=${4:-/api/v1/session}

ensure_packages wrk
build_ballast
work="$BALLAST_SERVICES_DIR/auth-cpu"; mkdir -p "$work/token" "$work/public"

# Ten heartbeat monitors: nothing is probed, so the server's CPU is the API's.
start_side() { # DIR EXTRA_SERVER_KEYS -> prints PID PORT
  local dir=$1 extra=$2 port
  port=$(free_port)
  {
    echo "server: { listen: 'http://127.0.0.1:$port', storage: 'sqlite:ballast.db'$extra }"
    echo "monitors:"
    for i in $(seq 1 10); do echo "  - { name: job-$i, type: heartbeat, period: 1h, grace: 1h }"; done
  } > "$dir/ballast.yaml"
  echo "$port"
}

control=${BENCH_CONTROL:-0}
token_port=$(start_side "$work/token" "$([ "$control" = 1 ] && echo ", anonymous_read: true")")
public_port=$(start_side "$work/public" ", anonymous_read: true")
token=$(dotnet "$BALLAST_DLL" token create --config "$work/token/ballast.yaml" --name bench --role viewer 2>/dev/null | grep -o 'blt_[A-Za-z0-9_-]*')
for side in token public; do
  dotnet "$BALLAST_DLL" serve --config "$work/$side/ballast.yaml" > "$work/$side/serve.log" 2>&1 &
  eval "${side}_pid=$!"
  _ballast_stops+=("kill $!")
done
wait_http "http://127.0.0.1:$public_port/health/ready"
wait_http "http://127.0.0.1:$token_port/health/ready"
curl -fsS -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$token_port$path"
curl -fsS -o /dev/null "http://127.0.0.1:$public_port$path"
if [ "$control" = 1 ]; then
  token=""; echo "bench: control run, both sides anonymous" >&2
else
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$token_port$path")" = 401 ] || { echo "bench: the token side answers without a token" >&2; exit 1; }
fi

# Each connection waits `delay` ms before its next request and wrk takes about 1.5 ms more per round trip (measured),
# so this many connections make the rate asked for.
delay=10
connections=$(awk -v r="$rate" -v d="$delay" 'BEGIN { c = r * (d + 1.5) / 1000; printf "%d", c == int(c) ? c : int(c) + 1 }')
cat > "$work/token.lua" <<LUA
$([ -n "$token" ] && echo "wrk.headers[\"Authorization\"] = \"Bearer $token\"")
function delay() return $delay end
LUA
cat > "$work/public.lua" <<LUA
function delay() return $delay end
LUA

# round: both sides driven at once; each side's µs of server CPU per request and the rate it reached.
drive() { # SIDE SECONDS -> wrk's output in $work/SIDE.out
  local port; port=$(eval echo "\$${1}_port")
  wrk -t1 -c"$connections" -d"$2s" -s "$work/$1.lua" "http://127.0.0.1:$port$path" > "$work/$1.out"
}
per_request() { # SIDE CPU0 CPU1 -> "µs rate" in $work/SIDE.result
  local n
  if grep -q "Non-2xx" "$work/$1.out"; then echo "bench: $1 answered errors: $(cat "$work/$1.out")" >&2; exit 1; fi
  n=$(awk '/requests in/ { print $1 }' "$work/$1.out")
  awk -v c0="$2" -v c1="$3" -v n="$n" -v s="$seconds" 'BEGIN { printf "%.1f %.0f\n", (c1 - c0) / n * 1e6, n / s }' > "$work/$1.result"
}
both() { # SECONDS (not a bare `wait`: the servers are jobs of this shell too)
  local a b
  drive token "$1" & a=$!
  drive public "$1" & b=$!
  wait "$a" "$b"
}
round() {
  local t0 t1 p0 p1
  both 5 # warm-up
  t0=$(cpu_seconds "$token_pid"); p0=$(cpu_seconds "$public_pid")
  both "$seconds"
  t1=$(cpu_seconds "$token_pid"); p1=$(cpu_seconds "$public_pid")
  per_request token "$t0" "$t1"; per_request public "$p0" "$p1"
}

results=()
for round in $(seq 1 "$rounds"); do
  round
  read -r t trate < "$work/token.result"; read -r p prate < "$work/public.result"
  over=$(awk -v t="$t" -v p="$p" 'BEGIN { printf "%.1f", (t / p - 1) * 100 }')
  echo "round $round: token ${t}µs/request at ${trate}/s · anonymous ${p}µs/request at ${prate}/s · authentication +${over}%"
  results+=("$over $t $p")
done
# Two medians: of each side's CPU per request over the rounds (the figure to read), and of the per-round ratios.
printf '%s\n' "${results[@]}" | awk '{ o[NR]=$1; t[NR]=$2; p[NR]=$3 }
  function median(a, n,   i, j, x) { for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j+1] = a[j]; a[j+1] = x }
                                     return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
  END { mt = median(t, NR); mp = median(p, NR); mo = median(o, NR)
        printf "median: token %.1fµs/request, anonymous %.1fµs/request, authentication %+.1f%% (median of the rounds'"'"' ratios %+.1f%%)\n", mt, mp, (mt / mp - 1) * 100, mo }'
