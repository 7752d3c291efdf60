#!/usr/bin/env bash
# Loads the cluster layout (schema/clickhouse/cluster, Replicated* + Distributed, ON CLUSTER) on a real
# ClickHouse 18.16 backed by Debian's ZooKeeper: a one-shard, one-replica cluster "tracker_cluster" on
# loopback, on ports that do not clash with scripts/clickhouse.sh. Then writes and reads through the
# Distributed table. Everything is stopped and removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${CLUSTER_CHECK_DIR:-/tmp/tracker-cluster-check}
ZK_PORT=${ZK_PORT:-2191}; HTTP=${CH_HTTP_PORT:-8125}; TCP=${CH_TCP_PORT:-9003}; INTER=${CH_INTER_PORT:-9011}
log() { echo "[cluster-check $(date +%T)] $*" >&2; }
command -v clickhouse-server >/dev/null || scripts/clickhouse.sh install
[[ -x /usr/share/zookeeper/bin/zkServer.sh ]] || { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq --no-install-recommends zookeeper >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq --no-install-recommends zookeeper >/dev/null; }; }
rm -rf "$DIR"; mkdir -p "$DIR/zk" "$DIR/ch/data" "$DIR/ch/log"
cleanup() { [[ -n ${CH_PID:-} ]] && kill "$CH_PID" 2>/dev/null; [[ -n ${ZK_PID:-} ]] && kill "$ZK_PID" 2>/dev/null; sleep 1; rm -rf "$DIR"; }
trap cleanup EXIT
[[ ${KEEP:-0} == 1 ]] && trap - EXIT

printf 'tickTime=2000\ndataDir=%s/zk\nclientPort=%s\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n' "$DIR" "$ZK_PORT" > "$DIR/zoo.cfg"
CP=$(ls /usr/share/java/zookeeper*.jar /usr/share/java/*.jar 2>/dev/null | tr '\n' ':')
java -cp "$CP" org.apache.zookeeper.server.quorum.QuorumPeerMain "$DIR/zoo.cfg" > "$DIR/zk.log" 2>&1 &
ZK_PID=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$ZK_PORT") 2>/dev/null && break; sleep 0.2; done
log "zookeeper up on 127.0.0.1:$ZK_PORT"

cat > "$DIR/ch/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$DIR/ch/log/server.log</log><errorlog>$DIR/ch/log/error.log</errorlog></logger>
  <http_port>$HTTP</http_port><tcp_port>$TCP</tcp_port><interserver_http_port>$INTER</interserver_http_port>
  <listen_host>127.0.0.1</listen_host><max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>268435456</uncompressed_cache_size><mark_cache_size>268435456</mark_cache_size>
  <path>$DIR/ch/data/</path><tmp_path>$DIR/ch/data/tmp/</tmp_path>
  <user_files_path>$DIR/ch/data/user_files/</user_files_path><format_schema_path>$DIR/ch/data/fs/</format_schema_path>
  <users_config>$(scripts/clickhouse.sh install >/dev/null; echo "${CLICKHOUSE_DIR:-/tmp/tracker-clickhouse}")/users.xml</users_config>
  <default_profile>default</default_profile><default_database>default</default_database>
  <timezone>UTC</timezone><mlock_executable>false</mlock_executable>
  <zookeeper><node><host>127.0.0.1</host><port>$ZK_PORT</port></node></zookeeper>
  <remote_servers><tracker_cluster><shard><internal_replication>true</internal_replication>
    <replica><host>127.0.0.1</host><port>$TCP</port></replica></shard></tracker_cluster></remote_servers>
  <macros><shard>01</shard><replica>r1</replica></macros>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
</yandex>
XML
[[ -f ${CLICKHOUSE_DIR:-/tmp/tracker-clickhouse}/users.xml ]] || { log "run scripts/clickhouse.sh start once first (it writes users.xml)"; exit 1; }
/usr/sbin/clickhouse-server --config-file="$DIR/ch/config.xml" > "$DIR/ch/log/stdout.log" 2>&1 &
CH_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$HTTP/ping" >/dev/null && break; sleep 0.2; done
q() { clickhouse-client --host 127.0.0.1 --port "$TCP" --multiquery -q "$1"; }
q "CREATE DATABASE IF NOT EXISTS tracker ON CLUSTER tracker_cluster" >/dev/null
for f in schema/clickhouse/cluster/*.sql; do
  sed -e 's/{db}/tracker/g' -e 's/{cluster}/tracker_cluster/g' "$f" | clickhouse-client --host 127.0.0.1 --port "$TCP" --multiquery >/dev/null
  log "loaded $f"
done
q "INSERT INTO tracker.events (eid, ename, created_at) SELECT generateUUIDv4(), 'cluster-check', now()"
sleep 1
N=$(q "SELECT count() FROM tracker.events WHERE ename = 'cluster-check'")
T=$(q "SELECT count() FROM system.tables WHERE database = 'tracker'")
R=$(q "SELECT count() FROM system.replicas WHERE database = 'tracker'")
log "tables: $T, replicated tables: $R, rows read back through Distributed: $N"
[[ $N == 1 && $R -ge 19 ]] && echo "OK: cluster layout loads on ClickHouse $(q 'SELECT version()') with ZooKeeper" || { echo "FAILED"; tail -20 "$DIR/ch/log/error.log"; exit 1; }
