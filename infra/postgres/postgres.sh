#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1, for CI and for people. Every command is idempotent.
# See infra/README.md.
#
#   install  PostgreSQL from Debian (apt-get) unless /usr/lib/postgresql/*/bin has initdb and pg_ctl
#   start    install, initdb once, start, create role and database `distillery`, wait until
#            pg_isready answers; no-op if already running
#   stop     pg_ctl stop -m fast; no-op if not running
#   restart  stop + start, keeping the data
#   status   prints "running" (exit 0) if the cluster answers, else "stopped" (exit 1)
#   wipe     stop and delete the cluster's directory
#   url      prints postgres://distillery:distillery@127.0.0.1:$PGPORT_DISTILLERY/distillery
#
# Who runs the server: initdb refuses root, so under root the cluster belongs to the `postgres`
# OS user (created if missing); anyone else runs it as themselves.
# Where: $DISTILLERY_STATE_DIR/postgres (default ~/.local/state/distillery/postgres). Under root,
# when the postgres user cannot enter that path (the usual case: /root is mode 700), the cluster
# goes to /var/tmp/distillery-postgres instead. DISTILLERY_PG_DIR overrides both.
#
# Env: PGPORT_DISTILLERY (54329), PG_START_TIMEOUT (60 s), DISTILLERY_STATE_DIR, DISTILLERY_PG_DIR.
set -euo pipefail

usage="usage: $0 {install|start|stop|restart|status|wipe|url}"
port="${PGPORT_DISTILLERY:-54329}"
start_timeout="${PG_START_TIMEOUT:-60}"
state_root="${DISTILLERY_STATE_DIR:-$HOME/.local/state/distillery}"
fallback_dir=/var/tmp/distillery-postgres
url="postgres://distillery:distillery@127.0.0.1:$port/distillery"

say() { echo "postgres: $*" >&2; }
die() { say "error: $*"; exit 1; }

# One start/stop/wipe at a time.
lock() { (umask 022 && mkdir -p "$(dirname "$dir")"); exec 9>"$dir.lock"; flock 9; }

# ---- binaries, OS user, directory ------------------------------------------------------------

# The newest installed server's bin dir, e.g. /usr/lib/postgresql/15/bin.
bindir() {
  local d
  for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

install() {
  bindir >/dev/null && return 0
  command -v apt-get >/dev/null || die "no PostgreSQL under /usr/lib/postgresql/*/bin and no apt-get: install a PostgreSQL server"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  say "installing PostgreSQL from Debian (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2 || die "apt-get update failed"
  $sudo apt-get install -y -qq postgresql >&2 || die "apt-get install postgresql failed"
  bindir >/dev/null || die "apt-get installed postgresql, but /usr/lib/postgresql/*/bin/initdb is still missing"
}

owner() { if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi; }

ensure_owner() {
  [ "$(owner)" = postgres ] || return 0
  id postgres >/dev/null 2>&1 && return 0
  say "creating the postgres OS user"
  useradd --system --user-group --no-create-home --home-dir "$fallback_dir" --shell /bin/sh postgres
}

# Runs a command as the cluster's owner.
as_owner() {
  if [ "$(owner)" = "$(id -un)" ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

# Whether an unprivileged user can pass through $1: it and every existing ancestor has the
# others' x bit (the directories still to be made are made with mode 755).
others_can_pass() {
  local d="$1" mode
  while [ "$d" != / ]; do
    if [ -e "$d" ]; then
      mode="$(stat -c %A "$d")"
      case "${mode:9:1}" in x|t) ;; *) return 1 ;; esac
    fi
    d="$(dirname "$d")"
  done
}

cluster_dir() {
  if [ -n "${DISTILLERY_PG_DIR:-}" ]; then echo "$DISTILLERY_PG_DIR"; return; fi
  local want="$state_root/postgres"
  if [ "$(owner)" != postgres ] || others_can_pass "$(dirname "$want")"; then echo "$want"; else echo "$fallback_dir"; fi
}

dir="$(cluster_dir)"
data="$dir/data"
log="$dir/server.log"

# ---- running, ready --------------------------------------------------------------------------

running() { [ -f "$data/postmaster.pid" ] && bindir >/dev/null && as_owner "$(bindir)/pg_ctl" -D "$data" status >/dev/null 2>&1; }
answers() { "$(bindir)/pg_isready" -q -h 127.0.0.1 -p "$port" -t 5; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

psql_admin() {
  "$(bindir)/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
}

# ---- start -----------------------------------------------------------------------------------

init_cluster() {
  (umask 022 && mkdir -p "$dir")
  [ "$(owner)" = postgres ] && chown postgres: "$dir"
  chmod 700 "$dir"
  [ -f "$data/PG_VERSION" ] && return 0
  say "initdb in $data"
  as_owner "$(bindir)/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { tail -n 20 "$dir/initdb.log" >&2; die "initdb failed (log: $dir/initdb.log)"; }
}

# Settings for a throwaway cluster, rewritten on every start (port changes apply).
write_config() {
  if ! grep -q "^include_if_exists = 'distillery.conf'" "$data/postgresql.conf"; then
    echo "include_if_exists = 'distillery.conf'" | as_owner tee -a "$data/postgresql.conf" >/dev/null
  fi
  as_owner tee "$data/distillery.conf" >/dev/null <<CONF
# Written by infra/postgres/postgres.sh start; rewritten on every start.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
}

create_role_and_database() {
  if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = 'distillery'")" != 1 ]; then
    say "creating role distillery"
    psql_admin -c "CREATE ROLE distillery LOGIN SUPERUSER PASSWORD 'distillery'"
  fi
  if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = 'distillery'")" != 1 ]; then
    say "creating database distillery"
    psql_admin -c "CREATE DATABASE distillery OWNER distillery"
  fi
}

start() {
  install
  ensure_owner
  if running; then
    answers || die "the cluster in $data runs but 127.0.0.1:$port does not answer (another port? see $log)"
    say "already running on 127.0.0.1:$port"; create_role_and_database; return 0
  fi
  port_open "$port" && die "127.0.0.1:$port is in use by another process (ss -ltnp 'sport = :$port'); set PGPORT_DISTILLERY"
  local started; started=$(date +%s)
  init_cluster
  write_config
  say "starting on 127.0.0.1:$port (data $data, log $log)"
  as_owner "$(bindir)/pg_ctl" -D "$data" -l "$log" -w -t "$start_timeout" start >/dev/null 9>&- \
    || { tail -n 30 "$log" >&2; die "pg_ctl start failed (log: $log)"; }
  answers || die "started, but pg_isready gets no answer on 127.0.0.1:$port"
  create_role_and_database
  say "ready: $url in $(( $(date +%s) - started ))s"
}

# ---- stop ------------------------------------------------------------------------------------

stop() {
  running || return 0
  say "stopping"
  as_owner "$(bindir)/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null || die "pg_ctl stop failed (log: $log)"
  say "stopped"
}

status() { if running && answers; then echo running; else echo stopped; return 1; fi; }

wipe() {
  stop
  rm -rf "$dir"
  say "wiped $dir"
}

case "${1:-}" in
  install) install ;;
  start) lock; start ;;
  stop) lock; stop ;;
  restart) lock; stop; start ;;
  status) status ;;
  wipe) lock; wipe ;;
  url) echo "$url" ;;
  -h|--help|help) echo "$usage" ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
