#!/usr/bin/env bash
# CPU per API request with a Bearer token against the same request answered anonymously, in the same run and build:
# two `ballast serve` processes on the same config, one with `server.anonymous_read: true` (the route is public
# there), the other requiring a viewer token. Each is driven by wrk at a capped rate (connections × 1000 / delay ms,
# 5,000 req/s by default) while the other is paused (SIGSTOP), and its CPU time is read from /proc for its process only.
# Usage: bench/auth-cpu.sh [seconds=20] [rounds=5] [rate=5000]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
. bench/lib.sh
seconds=${1:-20}; rounds=${2:-5}; rate=${3:-5000}

ensure_packages wrk
build_ballast
work="$BALLAST_SERVICES_DIR/auth-cpu"; mkdir -p "$work/token" "$work/public"
path=/api/v1/session

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

token_port=$(start_side "$work/token" "")
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
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$token_port$path")" = 401 ] || { echo "bench: the token side answers without a token" >&2; exit 1; }

connections=60
delay=$(awk -v c="$connections" -v r="$rate" 'BEGIN { printf "%d", c * 1000 / r - 1 }') # a millisecond for the answer itself
cat > "$work/token.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
function delay() return $delay end
LUA
cat > "$work/public.lua" <<LUA
function delay() return $delay end
LUA

# measure SIDE: µs of server CPU per request and the rate reached, with the other side paused.
measure() {
  local side=$1 pid port other out c0 c1 n
  pid=$(eval echo "\$${side}_pid"); port=$(eval echo "\$${side}_port")
  other=$([ "$side" = token ] && echo "$public_pid" || echo "$token_pid")
  kill -STOP "$other"
  wrk -t2 -c"$connections" -d5s -s "$work/$side.lua" "http://127.0.0.1:$port$path" > /dev/null # warm-up
  c0=$(cpu_seconds "$pid")
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" -s "$work/$side.lua" "http://127.0.0.1:$port$path")
  c1=$(cpu_seconds "$pid")
  kill -CONT "$other"
  if echo "$out" | grep -q "Non-2xx"; then echo "bench: $side answered errors: $out" >&2; exit 1; fi
  n=$(echo "$out" | awk '/requests in/ { print $1 }')
  awk -v c0="$c0" -v c1="$c1" -v n="$n" -v s="$seconds" 'BEGIN { printf "%.1f %.0f\n", (c1 - c0) / n * 1e6, n / s }'
}

results=()
for round in $(seq 1 "$rounds"); do
  # Alternate which side goes first, so neither always runs on the warmer (or the noisier) half of a round.
  if [ $((round % 2)) -eq 1 ]; then
    read -r t trate < <(measure token); read -r p prate < <(measure public)
  else
    read -r p prate < <(measure public); read -r t trate < <(measure token)
  fi
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
