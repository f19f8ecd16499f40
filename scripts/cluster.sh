#!/usr/bin/env bash
# A local VisitorGrains cluster on this machine, for demos and trying cluster mode: a PostgreSQL server,
# two silos and two API nodes (Orleans clients of the silos), each its own process.
#
#   scripts/cluster.sh start [DIR]   build, then start everything; state, logs and pids under DIR
#                                    (default ./data/cluster). Prints the API addresses and the admin key.
#   scripts/cluster.sh stop  [DIR]   stop API nodes, then silos (gracefully: grains write their state),
#                                    then PostgreSQL
#   scripts/cluster.sh status [DIR]  which processes are up
#
# Ports (environment, defaults): VG_PG_PORT 5433, VG_API_PORTS "5000 5001", VG_SILO_PORTS "11111 11112",
# VG_GATEWAY_PORTS "30000 30001". Set VG_ADMIN_KEY to choose the admin key (else one is made, in DIR/admin-key.txt).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
command=${1:-}
dir=${2:-$root/data/cluster}
pg_port=${VG_PG_PORT:-5433}
read -r -a api_ports <<< "${VG_API_PORTS:-5000 5001}"
read -r -a silo_ports <<< "${VG_SILO_PORTS:-11111 11112}"
read -r -a gateway_ports <<< "${VG_GATEWAY_PORTS:-30000 30001}"

silo_dll=$root/silo/VisitorGrains.Silo/bin/Release/net10.0/VisitorGrains.Silo.dll
api_dll=$root/api/VisitorGrains.Api/bin/Release/net10.0/VisitorGrains.Api.dll

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Waits until a log says the host started, or the process is gone.
wait_started() {
  local name=$1 pidfile=$2 log=$3
  for _ in $(seq 1 240); do
    if grep -q "Application started" "$log" 2>/dev/null; then return 0; fi
    if ! alive "$pidfile"; then echo "$name exited; see $log" >&2; tail -20 "$log" >&2; return 1; fi
    sleep 0.5
  done
  echo "$name did not start within 2 minutes; see $log" >&2
  return 1
}

start_node() {
  local name=$1; shift
  local pidfile=$dir/$name.pid log=$dir/$name.log
  if alive "$pidfile"; then echo "$name already running (pid $(cat "$pidfile"))"; return 0; fi
  : > "$log"
  ( cd "$dir" && exec env "$@" >>"$log" 2>&1 ) &
  echo $! > "$pidfile"
  wait_started "$name" "$pidfile" "$log"
}

stop_node() {
  local name=$1 pidfile=$dir/$name.pid
  if alive "$pidfile"; then
    kill -TERM "$(cat "$pidfile")"
    for _ in $(seq 1 120); do alive "$pidfile" || break; sleep 0.5; done
    if alive "$pidfile"; then kill -KILL "$(cat "$pidfile")"; fi
    echo "stopped $name"
  fi
  rm -f "$pidfile"
}

case "$command" in
  start)
    mkdir -p "$dir"
    dotnet build "$root/VisitorGrains.sln" -c Release -v quiet -nologo >/dev/null
    postgres=$("$root/scripts/postgres.sh" start "$dir/postgres" "$pg_port")
    key=${VG_ADMIN_KEY:-}
    if [ -z "$key" ]; then
      [ -f "$dir/admin-key.txt" ] || (umask 077 && head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' > "$dir/admin-key.txt")
      key=$(cat "$dir/admin-key.txt")
    fi
    common=(VG_ADMIN_KEY="$key" Cluster__Postgres="$postgres" Logging__LogLevel__Microsoft.Hosting.Lifetime=Information)
    # Silos one after the other: the first one creates the schema and the demo site.
    for i in 0 1; do
      start_node "silo$((i + 1))" "${common[@]}" VG_DATA="$dir/silo$((i + 1))" \
        Orleans__SiloPort="${silo_ports[$i]}" Orleans__GatewayPort="${gateway_ports[$i]}" dotnet "$silo_dll"
    done
    for i in 0 1; do
      start_node "api$((i + 1))" "${common[@]}" VG_DATA="$dir/api$((i + 1))" Cluster__ApiRole=client \
        dotnet "$api_dll" --urls "http://127.0.0.1:${api_ports[$i]}"
    done
    echo "PostgreSQL: $postgres"
    echo "API nodes:  http://127.0.0.1:${api_ports[0]}  http://127.0.0.1:${api_ports[1]}"
    echo "Admin key:  $key"
    echo "Logs:       $dir/*.log"
    ;;
  stop)
    for name in api1 api2 silo2 silo1; do stop_node "$name"; done
    "$root/scripts/postgres.sh" stop "$dir/postgres"
    echo "stopped PostgreSQL"
    ;;
  status)
    for name in silo1 silo2 api1 api2; do
      if alive "$dir/$name.pid"; then echo "$name up (pid $(cat "$dir/$name.pid"))"; else echo "$name down"; fi
    done
    ;;
  *)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
