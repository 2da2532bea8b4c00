#!/usr/bin/env bash
# Detection-to-delivery: a local target starts failing; how long until the alert email is accepted by a local SMTP
# server (Debian's aiosmtpd)? interval 10s, retry_interval 2s, failure_threshold 2, group_wait 0s, and flapping detection
# off (the trials flap on purpose).
# Usage: bench/alert-latency.sh [trials=20]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. bench/lib.sh
trials=${1:-20}

ensure_packages nginx-light python3-aiosmtpd
build_ballast
work="$BALLAST_SERVICES_DIR/alert-latency"; mkdir -p "$work/maildir"

# Target: /health answers 503 while the file "down" exists.
start_nginx "location /health { if (-f $BALLAST_SERVICES_DIR/nginx/down) { return 503; } return 200 'ok'; }"

smtp_port=$(free_port)
/usr/bin/python3 scripts/smtp_server.py --port "$smtp_port" --maildir "$work/maildir" > "$work/smtp.log" 2>&1 &
_ballast_stops+=("kill $!")
sleep 1

port=$(free_port)
cat > "$work/ballast.yaml" <<YAML
server: { listen: "http://127.0.0.1:$port", storage: "sqlite:ballast.db" }
channels:
  mail: { type: email, smtp: { host: 127.0.0.1, port: $smtp_port, tls: none }, from: ballast@example.com, to: [oncall@example.com] }
alerting: { group_wait: 0s, flap_threshold: 0, routes: [ { channels: [mail] } ] }
monitors:
  - { name: api, type: http, url: "http://127.0.0.1:$TARGET_PORT/health", interval: 10s, retry_interval: 2s, failure_threshold: 2, timeout: 2s }
YAML
dotnet "$BALLAST_DLL" serve --config "$work/ballast.yaml" > "$work/serve.log" 2>&1 &
_ballast_stops+=("kill $!")
wait_http "http://127.0.0.1:$port/health/ready"

python3 - "$work" "$port" "$trials" "$NGINX_DIR/down" <<'PY'
import json, os, statistics, sys, time, urllib.request
work, port, trials = sys.argv[1], sys.argv[2], int(sys.argv[3])
api = f"http://127.0.0.1:{port}"
down = sys.argv[4]
maildir = os.path.join(work, "maildir", "new")

def get(path):
    with urllib.request.urlopen(api + path, timeout=5) as r:
        return json.load(r)

def state():
    return get("/api/v1/monitors")[0]["state"]

def down_mails():
    found = []
    for name in os.listdir(maildir) if os.path.isdir(maildir) else []:
        path = os.path.join(maildir, name)
        with open(path, errors="replace") as f:
            head = f.read(4000)
        if "is DOWN" in head:
            found.append((name, os.stat(path).st_mtime))
    return found

def wait(predicate, limit=120):
    deadline = time.time() + limit
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise SystemExit("timed out")

from_failure, from_first_check = [], []
for trial in range(trials):
    wait(lambda: state() == "UP")
    seen = {n for n, _ in down_mails()}
    open(down, "w").close()
    failed_at = time.time()
    name, accepted = wait(lambda: next(((n, t) for n, t in down_mails() if n not in seen), None))
    incident = wait(lambda: get("/api/v1/incidents?open=true"))[0]
    started = incident["startedAt"]
    from datetime import datetime
    first_check = datetime.fromisoformat(started).timestamp()
    from_failure.append(accepted - failed_at)
    from_first_check.append(accepted - first_check)
    print(f"trial {trial + 1}: target failing → email {accepted - failed_at:.2f}s; first failing check → email {accepted - first_check:.2f}s", flush=True)
    os.remove(down)

def p95(xs):
    xs = sorted(xs)
    return xs[max(0, int(round(0.95 * len(xs))) - 1)]

print(f"target failing → email accepted: median {statistics.median(from_failure):.2f}s, p95 {p95(from_failure):.2f}s (includes waiting for the next 10s check)")
print(f"first failing check → email accepted: median {statistics.median(from_first_check):.2f}s, p95 {p95(from_first_check):.2f}s (goal ≤ 2s × 2 + 1s = 5s)")
PY
