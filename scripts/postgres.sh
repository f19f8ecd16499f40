#!/usr/bin/env bash
# A throwaway PostgreSQL server for cluster mode: demos, tests, trying it out. Not for production
# (trust authentication on loopback; use your distribution's managed server there).
#
#   scripts/postgres.sh start DIR [PORT]   create the server in DIR if new, start it on 127.0.0.1:PORT
#                                          (default 5433); prints the connection string for Cluster__Postgres
#   scripts/postgres.sh stop DIR           stop it (fast shutdown: open transactions roll back)
#
# Installs Debian's postgresql when it is missing. As root, the server runs as the postgres user.
set -euo pipefail

command=${1:-}
dir=${2:-}
port=${3:-5433}
if [ -z "$command" ] || [ -z "$dir" ]; then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi

bindir() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$found" ] && command -v pg_config >/dev/null 2>&1; then
    found=$(pg_config --bindir)
  fi
  echo "$found"
}

as_server() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

bin=$(bindir)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "Installing Debian's postgresql" >&2
  sudo_=""
  [ "$(id -u)" -ne 0 ] && sudo_="sudo"
  $sudo_ apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq postgresql >/dev/null
  bin=$(bindir)
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
case "$command" in
  start)
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir" && chmod 700 "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_server "$bin/initdb" -D "$dir" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir.initdb.log" 2>&1 \
        || { cat "$dir.initdb.log" >&2; exit 1; }
    fi
    if ! as_server "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      # Sockets in the data folder (no /var/run needed); TCP on loopback only.
      as_server "$bin/pg_ctl" -D "$dir" -w -t 60 -l "$dir/server.log" \
        -o "-h 127.0.0.1 -p $port -k $dir -c max_connections=200 -c fsync=on" start >/dev/null
    fi
    echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
    ;;
  stop)
    if [ -f "$dir/PG_VERSION" ]; then
      as_server "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  *)
    echo "unknown command: $command" >&2
    exit 2
    ;;
esac
