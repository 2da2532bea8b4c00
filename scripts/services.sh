#!/usr/bin/env bash
# Starts the real servers Ballast's tests and benchmarks use, each on a free loopback port with a throw-away data
# directory, and stops them on exit. Source it, then call what you need:
#   . scripts/services.sh; ensure_packages postgresql redis-server; start_postgres; start_redis
# Everything listens on 127.0.0.1 only.

BALLAST_SERVICES_DIR="${BALLAST_SERVICES_DIR:-$(mktemp -d /tmp/ballast-services.XXXXXX)}"
chmod 755 "$BALLAST_SERVICES_DIR"
_ballast_stops=()

_ballast_stop_all() {
  local i
  for (( i=${#_ballast_stops[@]}-1; i>=0; i-- )); do eval "${_ballast_stops[$i]}" >/dev/null 2>&1 || true; done
  rm -rf "$BALLAST_SERVICES_DIR"
}
trap _ballast_stop_all EXIT

# ensure_packages DEB... : installs the Debian packages that are missing (needs root; runs apt-get update once).
ensure_packages() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "services: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# free_port: prints a TCP port nothing listens on at the moment.
free_port() {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 40000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# start_postgres: a fresh cluster as the postgres user (it refuses to run as root); exports BALLAST_TEST_POSTGRES.
start_postgres() {
  local bin dir port
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -x "$bin/initdb" ] || { echo "services: PostgreSQL binaries not found under /usr/lib/postgresql" >&2; return 1; }
  dir="$BALLAST_SERVICES_DIR/postgres"
  mkdir -p "$dir" && chown postgres:postgres "$dir" && chmod 700 "$dir"
  su postgres -s /bin/sh -c "'$bin/initdb' -D '$dir/data' -A trust -U postgres --no-sync -E UTF8 >'$dir/initdb.log' 2>&1" \
    || { cat "$dir/initdb.log" >&2; return 1; }
  # A free port can be taken by someone else's outgoing connection before the server binds it: then try another.
  local attempt
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 60 start \
      -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200\"" >/dev/null \
      && break
    if [ "$attempt" -lt 5 ] && grep -q "Address already in use" "$dir/server.log"; then : > "$dir/server.log"; continue; fi
    cat "$dir/server.log" >&2; return 1
  done
  _ballast_stops+=("su postgres -s /bin/sh -c \"'$bin/pg_ctl' -D '$dir/data' -m immediate stop\"")
  export BALLAST_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
  echo "services: PostgreSQL on 127.0.0.1:$port" >&2
}

# start_redis: a Redis server with persistence off; exports BALLAST_TEST_REDIS (host:port).
start_redis() {
  local dir port
  dir="$BALLAST_SERVICES_DIR/redis"
  mkdir -p "$dir"
  local i attempt up=0
  # As for PostgreSQL: the port may be taken before Redis binds it (a daemonized Redis says so only in its log).
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    : > "$dir/redis.log"
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$dir" --daemonize yes \
      --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null || { cat "$dir/redis.log" >&2; return 1; }
    for i in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && { up=1; break; }; sleep 0.05; done
    [ "$up" -eq 1 ] && break
  done
  [ "$up" -eq 1 ] || { cat "$dir/redis.log" >&2; return 1; }
  _ballast_stops+=("kill \$(cat '$dir/redis.pid')")
  export BALLAST_TEST_REDIS="127.0.0.1:$port"
  echo "services: Redis on 127.0.0.1:$port" >&2
}
