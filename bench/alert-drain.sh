#!/usr/bin/env bash
# Drain: N incidents at once (all monitors fail within one 2 s interval), each routed to a webhook as its own message (a monitor-level channel keeps them out of
# one group). Reports the time from the first incident to the last message delivered, and that every one was.
# Usage: bench/alert-drain.sh [incidents=1000]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. bench/lib.sh
count=${1:-1000}

ensure_packages nginx-light
build_ballast
work="$BALLAST_SERVICES_DIR/alert-drain"; mkdir -p "$work"

# One nginx: /health fails while the file "down" exists, /hook accepts the webhooks.
start_nginx "location /health { if (-f $BALLAST_SERVICES_DIR/nginx/down) { return 503; } return 200 'ok'; } location /hook { return 200 'ok'; }"

port=$(free_port)
{
  echo "server: { listen: 'http://127.0.0.1:$port', storage: 'sqlite:ballast.db' }"
  echo "channels: { hooks: { type: webhook, url: 'http://127.0.0.1:$TARGET_PORT/hook' } }"
  echo "alerting: { group_wait: 0s, flap_threshold: 0 }"
  echo "monitors:"
  for i in $(seq 1 "$count"); do
    echo "  - { name: m$i, type: http, url: 'http://127.0.0.1:$TARGET_PORT/health', interval: 2s, failure_threshold: 1, channels: [hooks] }"
  done
} > "$work/ballast.yaml"
dotnet "$BALLAST_DLL" serve --config "$work/ballast.yaml" > "$work/serve.log" 2>&1 &
_ballast_stops+=("kill $!")
wait_http "http://127.0.0.1:$port/health/ready"

python3 - "$port" "$count" "$NGINX_DIR/down" <<'PY'
import json, sys, time, urllib.request
from datetime import datetime
port, count, down = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def get(path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return json.load(r)
while not all(m["state"] == "UP" for m in get("/api/v1/monitors")):
    time.sleep(0.2)
open(down, "w").close()  # every monitor fails at its next check, within one 2 s interval
deadline = time.time() + 300
while time.time() < deadline:
    delivered = get(f"/api/v1/notifications?status=delivered&limit={count + 10}")
    if len(delivered) >= count:
        break
    time.sleep(0.2)
incidents = get(f"/api/v1/incidents?open=true&limit={count + 10}")
pending = get("/api/v1/notifications?status=pending&limit=10000")
failed = get("/api/v1/notifications?status=failed&limit=10000")
first = min(datetime.fromisoformat(i["detectedAt"]).timestamp() for i in incidents)
last = max(datetime.fromisoformat(n["deliveredAt"]).timestamp() for n in delivered)
print(f"incidents={len(incidents)} delivered={len(delivered)} pending={len(pending)} failed={len(failed)}")
print(f"first incident → last message delivered: {last - first:.2f}s ({len(delivered) / (last - first):.0f} messages/s)")
PY
