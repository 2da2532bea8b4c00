#!/usr/bin/env bash
# Deploys of samples/SampleApi at scale 2 on the process provider, under load: wrk sends requests through Ballast's
# proxy for the whole run. Per round: a good deploy (total time, the replicas' own startup time, what Ballast adds),
# then a deploy whose new replicas never become ready (--skip-contract with the budgets missing): how long from the
# readiness gate's timeout until the old release is verified serving. At the end, wrk's count of failed requests.
# Usage: bench/deploy.sh [rounds=5]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
. bench/lib.sh
rounds=${1:-5}

ensure_packages postgresql redis-server wrk
start_postgres
start_redis
build_ballast
work="$BALLAST_SERVICES_DIR/deploy"; mkdir -p "$work"
dotnet publish samples/SampleApi -c Release -o "$work/app" --nologo -v quiet >/dev/null

server_port=$(free_port); service_port=$(free_port)
config() { # config WITH_BUDGETS
  cat > "$work/ballast.yaml" <<YML
server: { listen: 'http://127.0.0.1:$server_port', storage: 'sqlite:ballast.db' }
services:
  api:
    provider: process
    process: { command: dotnet, args: [SampleApi.dll], artifact: app, listen: 'http://127.0.0.1:$service_port', startup_timeout: 5s }
    scale: 2
    keep_releases: 3
    env:
      DATABASE_URL: '$BALLAST_TEST_POSTGRES'
      REDIS_URL: 'redis://$BALLAST_TEST_REDIS'
$( [ "$1" = yes ] && printf "      AI_MAX_TOKENS_CHAT: '4000'\n      AI_MAX_TOKENS_SUMMARY: '200'\n" )
    verify: { timeout: 20s, interval: 200ms }
    checklist: { post_log: Application successfully started, post_log_timeout: 10s }
YML
}
config yes
# exec: $! must be the server itself, or stopping it leaves it (and its replicas) running after the benchmark.
(cd "$work" && exec dotnet "$BALLAST_DLL" serve --config ballast.yaml > serve.log 2>&1) &
_ballast_stops+=("kill $!")
wait_http "http://127.0.0.1:$server_port/health/live"
deploy() { (cd "$work" && dotnet "$BALLAST_DLL" deploy api --config ballast.yaml --json "$@" 2>>deploy.log) || true; }
deploy --image sample-api.200 > "$work/first.json"

wrk -t1 -c8 -d3600s "http://127.0.0.1:$service_port/v1/ping" > "$work/wrk.txt" 2>&1 &
wrk_pid=$!
_ballast_stops+=("kill $wrk_pid")
sleep 2

# figures FILE: "total_s app_startup_s added_s" for a good deploy; "gate_to_serving_s" for a rolled-back one.
figures() {
  python3 - "$1" <<'PY'
import json, sys, re
from datetime import datetime
r = json.load(open(sys.argv[1]))
def secs(d):  # TimeSpan "hh:mm:ss.fffffff"
    h, m, s = d.split(":"); return int(h) * 3600 + int(m) * 60 + float(s)
steps = {s["name"]: s for s in r["steps"]}
if r["outcome"] == "Deployed":
    t = lambda k: datetime.fromisoformat(r[k])
    total = (t("finishedAt") - t("startedAt")).total_seconds()
    print(f"{total:.2f}")
else:
    after = sum(secs(steps[n]["duration"]) for n in ("rollback target", "rollback", "rollback verify") if n in steps)
    print(f"{r['outcome']} {after:.2f}")
PY
}
ready_ms() { grep -o 'ready after [0-9]* ms' "$work/deploy.log" | tail -n 1 | grep -o '[0-9]*'; }

echo "| round | deploy total s | replicas' own startup s | Ballast's share s | failing gate: outcome | gate timeout → old release verified s |"
echo "|---|---|---|---|---|---|"
for round in $(seq 1 "$rounds"); do
  config yes
  deploy --image "sample-api.$((300 + round))" > "$work/good-$round.json"
  total=$(figures "$work/good-$round.json"); startup=$(awk -v ms="$(ready_ms)" 'BEGIN { printf "%.2f", ms / 1000 }')
  config no
  deploy --image "sample-api.$((400 + round))" --skip-contract > "$work/bad.json"
  read -r outcome after < <(figures "$work/bad.json")
  echo "| $round | $total | $startup | $(awk -v t="$total" -v s="$startup" 'BEGIN { printf "%.2f", t - s }') | $outcome | $after |"
done

echo
echo "median step times of the good deploys (s):"
python3 - "$work"/good-*.json <<'PY'
import json, statistics, sys
def secs(d):
    h, m, s = d.split(":"); return int(h) * 3600 + int(m) * 60 + float(s)
steps = {}
for f in sys.argv[1:]:
    for s in json.load(open(f))["steps"]:
        steps.setdefault(s["name"], []).append(secs(s["duration"]))
print("    " + ", ".join(f"{n} {statistics.median(v):.2f}" for n, v in steps.items()))
PY

kill -INT "$wrk_pid"; wait "$wrk_pid" 2>/dev/null || true
echo
echo "wrk through the proxy for the whole run:"
grep -E "requests in|Requests/sec|Non-2xx|Socket errors" "$work/wrk.txt" | sed 's/^/    /'
grep -q -E "Non-2xx|Socket errors" "$work/wrk.txt" && echo "    FAILED REQUESTS" || echo "    failed requests: 0"
