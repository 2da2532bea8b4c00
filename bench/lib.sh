#!/usr/bin/env bash
# Helpers shared by the benchmarks: a local nginx target, process CPU and memory readings.
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/services.sh"

# start_nginx [LOCATIONS]: a target on a free loopback port; by default /health answers 200 with a JSON pass,
# LOCATIONS (nginx location blocks) replaces that. Exports TARGET_PORT and NGINX_DIR (its folder, for switch files).
start_nginx() {
  local dir="$BALLAST_SERVICES_DIR/nginx"
  local locations=${1:-"location /health { default_type application/json; return 200 '{\"status\":\"pass\"}'; }"}
  mkdir -p "$dir"
  TARGET_PORT=$(free_port)
  cat > "$dir/nginx.conf" <<NGINX
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
daemon on;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 100000;
  client_body_temp_path $dir; proxy_temp_path $dir; fastcgi_temp_path $dir; uwsgi_temp_path $dir; scgi_temp_path $dir;
  server {
    listen 127.0.0.1:$TARGET_PORT;
    $locations
  }
}
NGINX
  nginx -c "$dir/nginx.conf"
  _ballast_stops+=("nginx -c '$dir/nginx.conf' -s stop")
  NGINX_DIR=$dir
  export TARGET_PORT NGINX_DIR
  echo "bench: nginx on 127.0.0.1:$TARGET_PORT" >&2
}

# cpu_seconds PID: user+system CPU time the process has used.
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f\n", ($14 + $15) / hz }' "/proc/$1/stat"
}

# rss_mb PID: resident memory now, in MB.
rss_mb() {
  awk '/^VmRSS:/ { printf "%.1f\n", $2 / 1024 }' "/proc/$1/status"
}

# wait_http URL: waits up to 60 s for a 2xx.
wait_http() {
  for _ in $(seq 600); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "bench: $1 never answered" >&2; return 1
}

# serve_monitors DIR COUNT MONITOR_YAML: writes DIR/ballast.yaml with COUNT monitors (MONITOR_YAML is a flow mapping
# where {i} stands for the monitor's number), starts `ballast serve` on it and waits until ready.
# Exports BALLAST_PID and BALLAST_URL.
serve_monitors() {
  local dir=$1 count=$2 template=$3 port i
  port=$(free_port)
  {
    echo "server: { listen: 'http://127.0.0.1:$port', storage: 'sqlite:ballast.db' }"
    echo "monitors:"
    for i in $(seq 1 "$count"); do echo "  - ${template//\{i\}/$i}"; done
  } > "$dir/ballast.yaml"
  dotnet "$BALLAST_DLL" serve --config "$dir/ballast.yaml" > "$dir/serve.log" 2>&1 &
  BALLAST_PID=$!
  BALLAST_URL="http://127.0.0.1:$port"
  _ballast_stops+=("kill $BALLAST_PID")
  wait_http "$BALLAST_URL/health/ready"
  export BALLAST_PID BALLAST_URL
}

# build_ballast: the Release CLI in .artifacts/cli (the ./ballast script builds it when stale).
build_ballast() {
  "$(dirname "${BASH_SOURCE[0]}")/../ballast" --help >/dev/null
  BALLAST_DLL="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.artifacts/cli/ballast.dll"
  export BALLAST_DLL
}
