#!/usr/bin/env bash
# A single-node Apache Kafka 3.9 broker+controller (KRaft) on 127.0.0.1, for CI and for people.
# Every command is idempotent. See infra/README.md.
#
#   fetch    the broker jars from Maven Central (mvn, infra/kafka/pom.xml) into the cache; no-op if there
#   start    fetch, write server.properties, format the storage once, start, wait until an admin
#            describeCluster answers; no-op if already running
#   stop     SIGTERM, wait, SIGKILL after KAFKA_STOP_TIMEOUT; no-op if not running
#   restart  stop + start, keeping the data (tests bounce the broker mid-stream)
#   status   prints "running" (exit 0) if the broker answers, else "stopped" (exit 1)
#   wipe     stop and delete the state dir (config, data, log)
#   brokers  prints the bootstrap string, 127.0.0.1:$KAFKA_PORT
#
# Env: KAFKA_VERSION (3.9.2), KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_HEAP (512m),
#      KAFKA_START_TIMEOUT (90 s), KAFKA_STOP_TIMEOUT (30 s),
#      DISTILLERY_CACHE_DIR (~/.cache/distillery: jars), DISTILLERY_STATE_DIR (~/.local/state/distillery: data).
set -euo pipefail

usage="usage: $0 {fetch|start|stop|restart|status|wipe|brokers}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="${KAFKA_VERSION:-3.9.2}"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
heap="${KAFKA_HEAP:-512m}"
start_timeout="${KAFKA_START_TIMEOUT:-90}"
stop_timeout="${KAFKA_STOP_TIMEOUT:-30}"
cache="${DISTILLERY_CACHE_DIR:-$HOME/.cache/distillery}/kafka-$version"
libs="$cache/libs"
state="${DISTILLERY_STATE_DIR:-$HOME/.local/state/distillery}/kafka"
config="$state/server.properties"
pidfile="$state/broker.pid"
log="$state/broker.log"
bootstrap="127.0.0.1:$port"

say() { echo "kafka: $*" >&2; }
die() { say "error: $*"; exit 1; }
need() { command -v "$1" >/dev/null || die "$1 not found: $2"; }

# One start/stop/wipe at a time (two `start`s at once would launch two brokers).
lock_state() { mkdir -p "$(dirname "$state")"; exec 9>"$state.lock"; flock 9; }

# ---- fetch -----------------------------------------------------------------------------------

# What the libs dir was fetched for: a changed pom or version fetches again.
fetch_stamp() { echo "kafka $version"; sha256sum <"$here/pom.xml"; }

fetch() {
  if [ -f "$libs/.complete" ] && [ "$(cat "$libs/.complete")" = "$(fetch_stamp)" ]; then return 0; fi
  need mvn "install Maven 3 (apt-get install -y maven)"
  need java "install a JDK 17 (apt-get install -y openjdk-17-jdk-headless)"
  mkdir -p "$cache"
  exec 8>"$cache/.fetch.lock"
  flock 8                                   # a parallel fetch waits, then finds the dir complete
  if [ -f "$libs/.complete" ] && [ "$(cat "$libs/.complete")" = "$(fetch_stamp)" ]; then return 0; fi
  say "fetching Apache Kafka $version from Maven Central into $libs"
  rm -rf "$libs.partial"
  mvn -B -f "$here/pom.xml" "-Dkafka.version=$version" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$libs.partial" >"$cache/fetch.log" 2>&1 \
    || { tail -n 30 "$cache/fetch.log" >&2; die "mvn could not fetch Kafka $version (Maven Central reachable? log: $cache/fetch.log)"; }
  [ -f "$libs.partial/kafka_2.13-$version.jar" ] || die "mvn fetched no kafka_2.13-$version.jar"
  fetch_stamp >"$libs.partial/.complete"
  rm -rf "$libs" && mv "$libs.partial" "$libs"
  say "fetched $(find "$libs" -name '*.jar' | wc -l) jars"
}

# ---- process and readiness -------------------------------------------------------------------

# A JVM on the Kafka classpath for the command-line tools (small heap, fast start-up).
kafka_tool() {
  timeout "${tool_timeout:-60}" java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$libs/*" \
    -Dlog4j.configuration="file:$here/log4j.properties" "$@"
}

# The broker's pid: the pid file's, if that process is our broker; else a broker on our config.
broker_pid() {
  local pid=""
  [ -f "$pidfile" ] && pid="$(cat "$pidfile")"
  if [ -n "$pid" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q "kafka.Kafka $config"; then
    echo "$pid"; return 0
  fi
  pgrep -f "kafka.Kafka $config" | head -n 1 | grep .
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Ready means an admin client's describeCluster answers (ClusterTool cluster-id is exactly that).
answers() {
  port_open "$port" || return 1
  tool_timeout=30 kafka_tool org.apache.kafka.tools.ClusterTool cluster-id --bootstrap-server "$bootstrap" >/dev/null 2>&1
}

fail_with_log() { say "last lines of $log:"; tail -n 40 "$log" >&2 || true; die "$1"; }

wait_until_ready() {
  local pid="$1" deadline=$(( $(date +%s) + start_timeout ))
  until answers; do
    kill -0 "$pid" 2>/dev/null || fail_with_log "the broker exited during start-up"
    [ "$(date +%s)" -lt "$deadline" ] || fail_with_log "no answer from $bootstrap within ${start_timeout}s (pid $pid still running; see $log)"
    sleep 1
  done
}

# ---- start -----------------------------------------------------------------------------------

write_config() {
  mkdir -p "$state/data"
  cat >"$config" <<CONF
# Written by infra/kafka/kafka.sh start; rewritten on every start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$state/data
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
CONF
}

format_storage() {
  [ -f "$state/data/meta.properties" ] && return 0
  local id
  id="$(kafka_tool kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
  [[ "$id" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "StorageTool random-uuid gave no cluster id (got: '$id')"
  say "formatting $state/data (cluster id $id)"
  kafka_tool kafka.tools.StorageTool format -t "$id" -c "$config" >>"$log" 2>&1 \
    || fail_with_log "formatting the storage failed"
}

launch() {
  say "starting on $bootstrap (heap $heap, log $log)"
  nohup java "-Xmx$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true -Dlog4j.configuration="file:$here/log4j.properties" \
    -cp "$libs/*" kafka.Kafka "$config" >>"$log" 2>&1 </dev/null 8>&- 9>&- &   # not the lock fds
  echo $! >"$pidfile"
}

start() {
  fetch
  need java "install a JDK 17 (apt-get install -y openjdk-17-jdk-headless)"
  local pid
  if pid="$(broker_pid)"; then
    if answers; then say "already running on $bootstrap (pid $pid)"; return 0; fi
    say "pid $pid is starting up: waiting for it"
    wait_until_ready "$pid"; say "ready on $bootstrap"; return 0
  fi
  rm -f "$pidfile"
  for p in "$port" "$controller_port"; do
    port_open "$p" && die "127.0.0.1:$p is in use by another process (ss -ltnp 'sport = :$p'); set KAFKA_PORT / KAFKA_CONTROLLER_PORT"
  done
  local started; started=$(date +%s)
  write_config
  if [ -f "$log" ]; then mv -f "$log" "$log.1"; fi   # the previous run's log stays as broker.log.1
  format_storage
  launch
  wait_until_ready "$(cat "$pidfile")"
  say "ready on $bootstrap in $(( $(date +%s) - started ))s"
}

# ---- stop ------------------------------------------------------------------------------------

stop() {
  local pid
  if ! pid="$(broker_pid)"; then rm -f "$pidfile"; return 0; fi
  say "stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(( $(date +%s) + stop_timeout ))
  while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    say "still running after ${stop_timeout}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  rm -f "$pidfile"
  say "stopped"
}

status() {
  if broker_pid >/dev/null && answers; then echo running; else echo stopped; return 1; fi
}

wipe() {
  stop
  rm -rf "$state"
  say "wiped $state"
}

case "${1:-}" in
  fetch) fetch ;;
  start) fetch; lock_state; start ;;
  stop) lock_state; stop ;;
  restart) fetch; lock_state; stop; start ;;
  status) status ;;
  wipe) lock_state; wipe ;;
  brokers) echo "$bootstrap" ;;
  -h|--help|help) echo "$usage" ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
