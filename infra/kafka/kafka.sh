#!/usr/bin/env bash
# A single-node Apache Kafka 3.9 broker+controller (KRaft) on 127.0.0.1, for CI and for people.
#   infra/kafka/kafka.sh fetch|start|stop|restart|status|wipe|brokers
# fetch:   the broker jars from Maven Central (mvn), cached outside the clone
# start:   format storage once, start the broker, wait until an admin describeCluster answers
# restart: stop then start, keeping the data (tests bounce the broker mid-stream)
# wipe:    stop and delete the data
# Env: KAFKA_VERSION (3.9.1), KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_HEAP (512m),
#      DISTILLERY_CACHE_DIR (~/.cache/distillery), DISTILLERY_STATE_DIR (~/.local/state/distillery),
#      KAFKA_START_TIMEOUT (90 seconds).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="${KAFKA_VERSION:-3.9.1}"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
libs="${DISTILLERY_CACHE_DIR:-$HOME/.cache/distillery}/kafka-$version/libs"
state="${DISTILLERY_STATE_DIR:-$HOME/.local/state/distillery}/kafka"
pidfile="$state/broker.pid"
log="$state/broker.log"
bootstrap="127.0.0.1:$port"

say() { echo "kafka: $*" >&2; }
die() { say "error: $*"; exit 1; }

fetch() {
  if [ -f "$libs/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found: install Maven (apt-get install maven)"
  say "fetching Apache Kafka $version from Maven Central into $libs"
  rm -rf "$libs.partial"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$libs.partial" "-Dkafka.version=$version" >&2
  rm -rf "$libs" && mv "$libs.partial" "$libs" && touch "$libs/.complete"
  say "fetched $(ls "$libs" | wc -l) jars"
}

java_run() { java -Xmx256m -cp "$libs/*" -Dlog4j.configuration="file:$here/log4j.properties" "$@"; }

# Ready means an admin client's describeCluster answers (ClusterTool cluster-id is exactly that).
answers() {
  timeout 20 java -Xmx128m -XX:TieredStopAtLevel=1 -cp "$libs/*" -Dlog4j.configuration="file:$here/log4j.properties" \
    org.apache.kafka.tools.ClusterTool cluster-id --bootstrap-server "$bootstrap" >/dev/null 2>&1
}

running_pid() {
  [ -f "$pidfile" ] || return 1
  local pid; pid="$(cat "$pidfile")"
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

write_config() {
  mkdir -p "$state/data"
  cat >"$state/server.properties" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$state/data
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.flush.interval.messages=9223372036854775807
CONF
}

start() {
  fetch
  if running_pid >/dev/null && answers; then say "already running on $bootstrap"; return 0; fi
  command -v java >/dev/null || die "java not found: install a JDK 17 (apt-get install openjdk-17-jre-headless)"
  write_config
  if [ ! -f "$state/data/meta.properties" ]; then
    say "formatting storage in $state/data"
    java_run kafka.tools.StorageTool format -t "$(java_run kafka.tools.StorageTool random-uuid)" \
      -c "$state/server.properties" --ignore-formatted >>"$log" 2>&1 || { tail -n 40 "$log" >&2; die "formatting failed"; }
  fi
  say "starting on $bootstrap (log: $log)"
  KAFKA_HEAP="${KAFKA_HEAP:-512m}"
  nohup java "-Xmx$KAFKA_HEAP" "-Xms$KAFKA_HEAP" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$here/log4j.properties" -cp "$libs/*" kafka.Kafka "$state/server.properties" >>"$log" 2>&1 &
  echo $! >"$pidfile"
  local deadline=$(( $(date +%s) + ${KAFKA_START_TIMEOUT:-90} ))
  until answers; do
    running_pid >/dev/null || { tail -n 40 "$log" >&2; die "the broker exited during start-up"; }
    [ "$(date +%s)" -lt "$deadline" ] || { tail -n 40 "$log" >&2; die "no answer from $bootstrap within ${KAFKA_START_TIMEOUT:-90}s"; }
    sleep 1
  done
  say "ready on $bootstrap"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then rm -f "$pidfile"; return 0; fi
  say "stopping (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then say "still running after 30s: SIGKILL"; kill -KILL "$pid"; fi
  rm -f "$pidfile"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) if running_pid >/dev/null && answers; then echo running; else echo stopped; exit 1; fi ;;
  wipe) stop; rm -rf "$state"; say "wiped $state" ;;
  brokers) echo "$bootstrap" ;;
  *) echo "usage: $0 fetch|start|stop|restart|status|wipe|brokers" >&2; exit 2 ;;
esac
