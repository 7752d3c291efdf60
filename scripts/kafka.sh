#!/usr/bin/env bash
# An Apache Kafka 4 broker for tests, benchmarks and local runs: org.apache.kafka:kafka_2.13 from Maven Central (no
# Debian package exists), its runtime jars copied once under $KAFKA_DIR/lib, one JVM in KRaft mode (broker and
# controller in one process, no ZooKeeper) on 127.0.0.1, data under $KAFKA_DIR/data, stopped by its own PID.
#
#   scripts/kafka.sh start     # returns at once; the broker answers ~5-10 s later
#   scripts/kafka.sh wait      # blocks until the broker accepts connections (up to KAFKA_WAIT seconds, default 120)
#   scripts/kafka.sh stop|status|restart|install
#   scripts/kafka.sh kill      # SIGKILL, for fault tests: in-flight requests die unanswered (restart recovers the log)
#   KAFKA_DIR=/tmp/tracker-kafka KAFKA_PORT=9092 KAFKA_CONTROLLER_PORT=9093 KAFKA_HEAP=384m KAFKA_VERSION=4.4.0
#   KAFKA_KEEP_DATA=1 keeps the log directory across start (default: a fresh cluster each start; restart keeps it)
set -euo pipefail
DIR=${KAFKA_DIR:-/tmp/tracker-kafka}
PORT=${KAFKA_PORT:-9092}
CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
HEAP=${KAFKA_HEAP:-384m}
VERSION=${KAFKA_VERSION:-4.4.0}
PIDFILE=$DIR/kafka.pid
NAME=kafka
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

# "Kafka Server started" is logged once the broker has registered with the controller and opened its listener.
ready() { grep -q 'Kafka Server started' "$DIR/logs/server.log" 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

install() {
  [[ -f $DIR/lib/kafka_2.13-$VERSION.jar ]] && return 0
  log "fetching kafka_2.13 $VERSION and its runtime jars from Maven Central (~45 MB the first time)"
  mkdir -p "$DIR"
  # log4j-slf4j-impl: Kafka logs through SLF4J 1.7 and ships log4j2 without the binding between them.
  cat > "$DIR/pom.xml" <<XML
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId><artifactId>kafka-runtime</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.25.5</version></dependency>
  </dependencies>
</project>
XML
  mvn -B -q -f "$DIR/pom.xml" dependency:copy-dependencies -DoutputDirectory="$DIR/lib" -DincludeScope=runtime
}

write_config() {
  mkdir -p "$DIR/conf" "$DIR/logs"
  cat > "$DIR/conf/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DIR/data
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=168
PROPS
  cat > "$DIR/conf/log4j2.xml" <<XML
<Configuration status="warn">
  <Appenders><File name="F" fileName="$DIR/logs/server.log"><PatternLayout pattern="[%d] %p %m (%c)%n"/></File></Appenders>
  <Loggers>
    <Logger name="kafka.request.logger" level="warn"/>
    <Logger name="org.apache.kafka.controller" level="info"/>
    <Root level="info"><AppenderRef ref="F"/></Root>
  </Loggers>
</Configuration>
XML
}

start() {
  if running; then log "already running (pid $(cat "$PIDFILE"))"; return 0; fi
  install
  write_config
  rm -f "$DIR/logs/server.log"
  local java=${KAFKA_JAVA:-java}
  local jvm=(-Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:TieredStopAtLevel=1
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true -Dlog4j2.configurationFile="$DIR/conf/log4j2.xml"
    -cp "$DIR/lib/*")
  if [[ ${KAFKA_KEEP_DATA:-0} != 1 || ! -f $DIR/data/meta.properties ]]; then
    rm -rf "$DIR/data"
    local id; id=$("$java" "${jvm[@]}" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
    "$java" "${jvm[@]}" kafka.tools.StorageTool format -t "$id" -c "$DIR/conf/server.properties" >"$DIR/logs/format.log" 2>&1 \
      || { log "formatting the log directory failed:"; cat "$DIR/logs/format.log" >&2; return 1; }
  fi
  "$java" "${jvm[@]}" kafka.Kafka "$DIR/conf/server.properties" >"$DIR/logs/stdout.log" 2>&1 &
  echo $! > "$PIDFILE"
  log "starting (pid $(cat "$PIDFILE")); 'scripts/kafka.sh wait' blocks until the broker answers on 127.0.0.1:$PORT"
}

wait_ready() {
  local end=$((SECONDS + ${KAFKA_WAIT:-120}))
  until ready; do
    if ! running; then log "broker exited:"; tail -30 "$DIR/logs/server.log" "$DIR/logs/stdout.log" >&2 || true; return 1; fi
    (( SECONDS >= end )) && { log "not ready after ${KAFKA_WAIT:-120} s"; tail -30 "$DIR/logs/server.log" >&2 || true; return 1; }
    sleep 0.2
  done
  log "Kafka $VERSION (KRaft) ready on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
}

case ${1:-} in
  start) start ;;
  wait) wait_ready ;;
  stop) stop ;;
  restart) stop; KAFKA_KEEP_DATA=1 start; wait_ready ;;
  kill) if running; then kill -9 "$(cat "$PIDFILE")"; while running; do sleep 0.1; done; rm -f "$PIDFILE"; log "killed"; fi ;;
  status) if running && ready; then echo "running (pid $(cat "$PIDFILE")) on 127.0.0.1:$PORT"; else echo "stopped"; exit 3; fi ;;
  install) install ;;
  *) echo "usage: $0 start|wait|stop|status|restart|kill|install" >&2; exit 2 ;;
esac
