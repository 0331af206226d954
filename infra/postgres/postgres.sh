#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1, for CI and for people.
#   infra/postgres/postgres.sh install|start|stop|restart|status|wipe|url
# install: PostgreSQL from Debian if no server binaries are present (apt-get)
# start:   initdb once (as the `postgres` OS user: initdb refuses root), start, create the
#          `distillery` role and database, wait until it answers
# Env: PGPORT_DISTILLERY (54329), DISTILLERY_PG_DIR (/var/tmp/distillery-postgres — outside
#      $HOME because the postgres user cannot enter /root).
set -euo pipefail

port="${PGPORT_DISTILLERY:-54329}"
dir="${DISTILLERY_PG_DIR:-/var/tmp/distillery-postgres}"
data="$dir/data"
url="postgres://distillery:distillery@127.0.0.1:$port/distillery"

say() { echo "postgres: $*" >&2; }
die() { say "error: $*"; exit 1; }

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; elif [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

install() {
  if [ -n "$(bindir)" ] && [ -x "$(bindir)/initdb" ]; then return 0; fi
  say "installing PostgreSQL from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  [ -x "$(bindir)/initdb" ] || die "apt-get installed no initdb"
}

answers() { "$(bindir)/pg_isready" -q -h 127.0.0.1 -p "$port"; }

start() {
  install
  id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" --shell /bin/bash postgres
  local bin; bin="$(bindir)"
  if answers; then say "already running on 127.0.0.1:$port"; return 0; fi
  mkdir -p "$dir" && chown postgres: "$dir"
  if [ ! -f "$data/PG_VERSION" ]; then
    say "initdb in $data"
    as_postgres "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  say "starting on 127.0.0.1:$port (log: $dir/server.log)"
  as_postgres "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start \
    -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null \
    || { tail -n 30 "$dir/server.log" >&2; die "pg_ctl start failed"; }
  local psql=("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -qtA)
  if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'distillery'")" != 1 ]; then
    "${psql[@]}" -c "CREATE ROLE distillery LOGIN SUPERUSER PASSWORD 'distillery'"
  fi
  if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'distillery'")" != 1 ]; then
    "${psql[@]}" -c "CREATE DATABASE distillery OWNER distillery"
  fi
  say "ready: $url"
}

stop() {
  [ -f "$data/postmaster.pid" ] || return 0
  say "stopping"
  as_postgres "$(bindir)/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) if answers; then echo running; else echo stopped; exit 1; fi ;;
  wipe) stop; rm -rf "$dir"; say "wiped $dir" ;;
  url) echo "$url" ;;
  *) echo "usage: $0 install|start|stop|restart|status|wipe|url" >&2; exit 2 ;;
esac
