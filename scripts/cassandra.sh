#!/usr/bin/env bash
# A Cassandra node for tests, benchmarks and local runs: org.apache.cassandra:cassandra-all from Maven Central
# (no Debian package exists), its runtime jars copied once under $CASSANDRA_DIR/lib, started as its own JVM
# (CassandraDaemon) with a minimal cassandra.yaml on 127.0.0.1, stopped by its own PID. Flags per
# ../shared/research/backends.md §2 (Cassandra's jvm17-server.options, a small heap, C1 only for a fast start).
#
#   scripts/cassandra.sh start     # returns at once; the node is ready ~10-15 s later
#   scripts/cassandra.sh wait      # blocks until CQL answers on the port (up to CASSANDRA_WAIT seconds, default 180)
#   scripts/cassandra.sh stop|status|restart|install
#   CASSANDRA_DIR=/tmp/tracker-cassandra CASSANDRA_PORT=9042 CASSANDRA_STORAGE_PORT=7000 CASSANDRA_HEAP=768m
#   CASSANDRA_VERSION=5.0.9; CASSANDRA_KEEP_DATA=1 keeps the data directory across start
set -euo pipefail
DIR=${CASSANDRA_DIR:-/tmp/tracker-cassandra}
PORT=${CASSANDRA_PORT:-9042}
STORAGE_PORT=${CASSANDRA_STORAGE_PORT:-7000}
HEAP=${CASSANDRA_HEAP:-768m}
VERSION=${CASSANDRA_VERSION:-5.0.9}
PIDFILE=$DIR/cassandra.pid
NAME=cassandra
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

ready() { grep -q 'Startup complete' "$DIR/logs/system.log" 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

install() {
  [[ -f $DIR/lib/cassandra-all-$VERSION.jar ]] && return 0
  log "fetching cassandra-all $VERSION and its runtime jars from Maven Central (~67 MB the first time)"
  mkdir -p "$DIR"
  cat > "$DIR/pom.xml" <<XML
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId><artifactId>cassandra-runtime</artifactId><version>1</version>
  <dependencies><dependency><groupId>org.apache.cassandra</groupId><artifactId>cassandra-all</artifactId><version>$VERSION</version></dependency></dependencies>
</project>
XML
  mvn -B -q -f "$DIR/pom.xml" dependency:copy-dependencies -DoutputDirectory="$DIR/lib" -DincludeScope=runtime
}

write_config() {
  mkdir -p "$DIR/data" "$DIR/logs" "$DIR/conf"
  cat > "$DIR/conf/cassandra.yaml" <<YAML
cluster_name: tracker-test
num_tokens: 1
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
data_file_directories: [$DIR/data/data]
commitlog_directory: $DIR/data/commitlog
saved_caches_directory: $DIR/data/saved_caches
hints_directory: $DIR/data/hints
cdc_raw_directory: $DIR/data/cdc_raw
commitlog_sync: periodic
commitlog_sync_period: 10000ms
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "127.0.0.1:$STORAGE_PORT"
listen_address: 127.0.0.1
rpc_address: 127.0.0.1
storage_port: $STORAGE_PORT
native_transport_port: $PORT
start_native_transport: true
endpoint_snitch: SimpleSnitch
auto_snapshot: false
YAML
  cat > "$DIR/conf/logback.xml" <<XML
<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender"><file>$DIR/logs/system.log</file>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder></appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
XML
}

start() {
  if running; then log "already running (pid $(cat "$PIDFILE"))"; return 0; fi
  install
  [[ ${CASSANDRA_KEEP_DATA:-0} == 1 ]] || rm -rf "$DIR/data"
  rm -f "$DIR/logs/system.log"
  write_config
  local jpms=(
    --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
    --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
    --add-exports java.sql/java.sql=ALL-UNNAMED --add-exports java.base/java.lang.ref=ALL-UNNAMED
    --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
    --add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED
    --add-opens java.base/java.lang.module=ALL-UNNAMED --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
    --add-opens java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
    --add-opens java.base/jdk.internal.math=ALL-UNNAMED --add-opens java.base/jdk.internal.module=ALL-UNNAMED
    --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
    --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED
    --add-opens java.base/java.lang.reflect=ALL-UNNAMED --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
    --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED )
  # Java 17 on purpose: Cassandra 5.0 supports 11 and 17 only, whatever `java` is on the PATH.
  local java=${CASSANDRA_JAVA:-$(ls -d /usr/lib/jvm/java-17-openjdk-*/bin/java 2>/dev/null | head -1)}
  java=${java:-java}
  "$java" -Xms"$HEAP" -Xmx"$HEAP" -Xss256k -XX:+UseG1GC -XX:+ParallelRefProcEnabled -XX:+PerfDisableSharedMem \
    -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError "${jpms[@]}" \
    -Djava.net.preferIPv4Stack=true -Djdk.attach.allowAttachSelf=true \
    -Dio.netty.tryReflectionSetAccessible=true -Dio.netty.allocator.useCacheForAllThreads=true -Dio.netty.allocator.maxOrder=11 \
    -javaagent:"$(ls "$DIR"/lib/jamm-*.jar | head -1)" \
    -Dcassandra.config="file://$DIR/conf/cassandra.yaml" -Dlogback.configurationFile="file://$DIR/conf/logback.xml" \
    -Dcassandra.logdir="$DIR/logs" -Dcassandra.storagedir="$DIR/data" -Dcassandra-foreground=yes \
    -Dcassandra.skip_wait_for_gossip_to_settle=0 -Dcassandra.ring_delay_ms=0 -Dcassandra.superuser_setup_delay_ms=0 \
    -cp "$DIR/lib/*" org.apache.cassandra.service.CassandraDaemon >"$DIR/logs/stdout.log" 2>&1 &
  echo $! > "$PIDFILE"
  log "starting (pid $(cat "$PIDFILE")); 'scripts/cassandra.sh wait' blocks until CQL answers on 127.0.0.1:$PORT"
}

wait_ready() {
  local end=$((SECONDS + ${CASSANDRA_WAIT:-180}))
  until ready; do
    if ! running; then log "node exited:"; tail -30 "$DIR/logs/system.log" "$DIR/logs/stdout.log" >&2 || true; return 1; fi
    (( SECONDS >= end )) && { log "not ready after ${CASSANDRA_WAIT:-180} s"; tail -30 "$DIR/logs/system.log" >&2 || true; return 1; }
    sleep 0.2
  done
  log "Cassandra $VERSION ready on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
}


case ${1:-} in
  start) start ;;
  wait) wait_ready ;;
  stop) stop ;;
  restart) stop; CASSANDRA_KEEP_DATA=1 start; wait_ready ;;
  status) if running && ready; then echo "running (pid $(cat "$PIDFILE")) on 127.0.0.1:$PORT"; else echo "stopped"; exit 3; fi ;;
  install) install ;;
  *) echo "usage: $0 start|wait|stop|status|restart|install" >&2; exit 2 ;;
esac
