#!/usr/bin/env bash
# The 3-node topology of docker-compose.cluster.yml as local processes on loopback, no Docker:
#   three trackers on 127.0.0.1:8081-8083 (data in $DIR/node{1,2,3}) behind haproxy on :8080 (/ready health checks);
#   three ClickHouse 18.16 replicas of one shard (HTTP 8123-8125) on ReplicatedMergeTree + Distributed tables of
#   database tracker (schema/clickhouse/cluster, applied idempotently here) coordinated by ZooKeeper (:2281);
#   a three-node NATS JetStream cluster (client ports 4222-4224) with the tracker's stream at 3 replicas.
# Each tracker writes to its own replica first (failing over to the others) with insert_quorum=2.
#
#   scripts/cluster-local.sh start | stop | status | start-node tracker2 | stop-node clickhouse3 | kill-node tracker2
# start is idempotent: it starts whatever part is not running (so it also restarts a killed node).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${CLUSTER_DIR:-/tmp/tracker-cluster}
ZK_PORT=${ZK_PORT:-2281}
JAR=tracker-server/target/tracker.jar
JAVA_OPTS=${JAVA_OPTS:-$(sed -n 's/^JAVA_OPTS ?= //p' Makefile)}
NAME=cluster # used by lib.sh
PIDFILE=/dev/null # lib.sh expects it
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

pid_of() { cat "$DIR/$1.pid" 2>/dev/null || true; }
alive() { local p; p=$(pid_of "$1"); [[ -n $p ]] && kill -0 "$p" 2>/dev/null; }
wait_for() { # name seconds command...
  local name=$1 secs=$2; shift 2
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    alive "$name" || { log "$name exited:"; tail -20 "$DIR/$name.log" >&2 || true; return 1; }
    (( SECONDS < end )) || { log "$name not ready after $secs s"; return 1; }
    sleep 0.2
  done
}
tcp_up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
zk_ok() { # serving, not just listening: ClickHouse gives up on a ZooKeeper that accepts but does not answer
  local answer
  answer=$(exec 3<>"/dev/tcp/127.0.0.1/$ZK_PORT" && echo ruok >&3 && timeout 2 cat <&3) 2>/dev/null || return 1
  [[ $answer == imok ]]
}
http_port() { echo $((8122 + $1)); }   # clickhouse N → 8123..8125
tcp_port() { echo $((9100 + $1)); }
tracker_port() { echo $((8080 + $1)); }

install() {
  command -v clickhouse-server >/dev/null || scripts/clickhouse.sh install
  command -v nats-server >/dev/null || scripts/nats.sh install
  command -v haproxy >/dev/null || apt_install haproxy
  [[ -x /usr/share/zookeeper/bin/zkServer.sh ]] || apt_install zookeeper
  [[ -f $JAR ]] || make build
}

start_zookeeper() {
  alive zookeeper && return 0
  mkdir -p "$DIR/zk"
  printf 'tickTime=2000\ndataDir=%s/zk\nclientPort=%s\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n4lw.commands.whitelist=ruok,srvr\n' \
    "$DIR" "$ZK_PORT" > "$DIR/zoo.cfg"
  local cp; cp=$(find /usr/share/java -name '*.jar' | tr '\n' ':')
  java -Xmx256m -cp "$cp" org.apache.zookeeper.server.quorum.QuorumPeerMain "$DIR/zoo.cfg" > "$DIR/zookeeper.log" 2>&1 &
  echo $! > "$DIR/zookeeper.pid"
  wait_for zookeeper 60 zk_ok
  log "zookeeper up on 127.0.0.1:$ZK_PORT"
}

clickhouse_config() { # n
  local n=$1 d="$DIR/clickhouse$1"
  mkdir -p "$d/data" "$d/log"
  local replicas=""
  for i in 1 2 3; do replicas+="<replica><host>127.0.0.1</host><port>$(tcp_port "$i")</port></replica>"; done
  cat > "$d/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$d/log/server.log</log><errorlog>$d/log/error.log</errorlog><size>50M</size><count>2</count></logger>
  <http_port>$(http_port "$n")</http_port><tcp_port>$(tcp_port "$n")</tcp_port><interserver_http_port>$((9110 + n))</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <listen_host>127.0.0.1</listen_host><max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>67108864</uncompressed_cache_size><mark_cache_size>67108864</mark_cache_size>
  <path>$d/data/</path><tmp_path>$d/data/tmp/</tmp_path><user_files_path>$d/data/user_files/</user_files_path>
  <format_schema_path>$d/data/format_schemas/</format_schema_path>
  <users_config>$DIR/users.xml</users_config><default_profile>default</default_profile><default_database>default</default_database>
  <timezone>UTC</timezone><mlock_executable>false</mlock_executable>
  <zookeeper><node><host>127.0.0.1</host><port>$ZK_PORT</port></node></zookeeper>
  <remote_servers><tracker_cluster><shard><internal_replication>true</internal_replication>$replicas</shard></tracker_cluster></remote_servers>
  <macros><shard>01</shard><replica>r$n</replica></macros>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
</yandex>
XML
  cat > "$DIR/users.xml" <<'XML'
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
}

start_clickhouse() { # n
  local n=$1
  alive "clickhouse$n" && return 0
  clickhouse_config "$n"
  /usr/sbin/clickhouse-server --config-file="$DIR/clickhouse$n/config.xml" > "$DIR/clickhouse$n.log" 2>&1 &
  echo $! > "$DIR/clickhouse$n.pid"
  wait_for "clickhouse$n" 90 curl -sf "http://127.0.0.1:$(http_port "$n")/ping"
  log "clickhouse$n up on 127.0.0.1:$(http_port "$n")"
}

ch() { # n query
  clickhouse-client --host 127.0.0.1 --port "$(tcp_port "$1")" --multiquery -q "$2"
}

apply_schema() {
  # IF NOT EXISTS everywhere: re-applying changes nothing and says nothing.
  ch 1 "CREATE DATABASE IF NOT EXISTS tracker ON CLUSTER tracker_cluster" >/dev/null
  for f in schema/clickhouse/cluster/*.sql; do
    sed -e 's/{db}/tracker/g' -e 's/{cluster}/tracker_cluster/g' "$f" \
      | clickhouse-client --host 127.0.0.1 --port "$(tcp_port 1)" --multiquery >/dev/null
  done
  local r; r=$(ch 1 "SELECT count() FROM system.replicas WHERE database = 'tracker'")
  log "cluster schema applied ($r replicated tables on clickhouse1)"
}

start_nats() { # n
  local n=$1
  alive "nats$n" && return 0
  mkdir -p "$DIR/nats$n"
  local routes="" i
  for i in 1 2 3; do [[ $i == "$n" ]] || routes+="${routes:+,}nats://127.0.0.1:$((6221 + i))"; done
  nats-server -a 127.0.0.1 -p $((4221 + n)) -m $((8221 + n)) -js -sd "$DIR/nats$n" --server_name "nats$n" \
    --cluster_name tracker --cluster "nats://127.0.0.1:$((6221 + n))" --routes "$routes" \
    -l "$DIR/nats$n.log" > /dev/null 2>&1 &
  echo $! > "$DIR/nats$n.pid"
  wait_for "nats$n" 30 tcp_up $((4221 + n))
  log "nats$n up on 127.0.0.1:$((4221 + n))"
}

nats_ready() { local i; for i in 1 2 3; do curl -sf "http://127.0.0.1:$((8221 + i))/healthz?js-enabled-only=true" || return 1; done; }

# Three Yauaa analyzers beside three ClickHouse servers, ZooKeeper and NATS on 2 cores: each restart took 31 s and the
# fault test's load ended first. The loopback cluster parses no User-Agents unless CLUSTER_PARSE_AGENTS=true.
CLUSTER_PARSE_AGENTS=${CLUSTER_PARSE_AGENTS:-false}

tracker_config() { # n
  local n=$1 urls="" i
  for i in $n 1 2 3; do [[ $urls == *":$(http_port "$i")\""* ]] || urls+="${urls:+, }\"http://127.0.0.1:$(http_port "$i")\""; done
  cat > "$DIR/node$n.json" <<JSON
{
  "server": { "host": "127.0.0.1", "port": $(tracker_port "$n"), "trustProxyHeaders": true, "trustedProxies": ["127.0.0.1"] },
  "storage": { "dataDir": "$DIR/node$n", "apiSession": "clickhouse" },
  "cluster": { "natsServers": ["nats://127.0.0.1:4222", "nats://127.0.0.1:4223", "nats://127.0.0.1:4224"], "nodes": 3 },
  "enrich": { "userAgent": { "enabled": $CLUSTER_PARSE_AGENTS } },
  "sessions": [
    { "type": "clickhouse", "name": "clickhouse",
      "settings": { "url": "http://127.0.0.1:$(http_port "$n")", "urls": [$urls], "database": "tracker",
                    "cluster": "tracker_cluster", "insertQuorum": 2, "autoCreateSchema": false } },
    { "type": "nats", "name": "nats",
      "settings": { "servers": ["nats://127.0.0.1:4222", "nats://127.0.0.1:4223", "nats://127.0.0.1:4224"],
                    "subjectPrefix": "tracker", "stream": "TRACKER", "replicas": 3 } }
  ]
}
JSON
}

start_tracker() { # n
  local n=$1
  alive "tracker$n" && return 0
  mkdir -p "$DIR/node$n"
  # One secret for the cluster: it keys the e-mail/IP hashes and signs redirect links, which any node must verify.
  if [[ $n != 1 && ! -f $DIR/node$n/secret.key && -f $DIR/node1/secret.key ]]; then
    cp "$DIR/node1/secret.key" "$DIR/node$n/secret.key" && chmod 600 "$DIR/node$n/secret.key"
  fi
  tracker_config "$n"
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
  TRACKER_ADMIN_TOKEN=${TRACKER_ADMIN_TOKEN:-cluster-local-admin} java $JAVA_OPTS -jar "$JAR" --config "$DIR/node$n.json" \
    >> "$DIR/tracker$n.log" 2>&1 &
  echo $! > "$DIR/tracker$n.pid"
  wait_for "tracker$n" 90 curl -sf "http://127.0.0.1:$(tracker_port "$n")/ready"
  log "tracker$n ready on 127.0.0.1:$(tracker_port "$n")"
}

start_haproxy() {
  alive haproxy && return 0
  HAPROXY_BIND=127.0.0.1:8080 TRACKER_NODE1=127.0.0.1:8081 TRACKER_NODE2=127.0.0.1:8082 TRACKER_NODE3=127.0.0.1:8083 \
    haproxy -f deploy/cluster/haproxy.cfg -db > "$DIR/haproxy.log" 2>&1 &
  echo $! > "$DIR/haproxy.pid"
  wait_for haproxy 20 curl -sf http://127.0.0.1:8080/health
  log "haproxy on 127.0.0.1:8080 in front of 8081-8083"
}

start_all() {
  install
  mkdir -p "$DIR"
  start_zookeeper
  for i in 1 2 3; do start_clickhouse "$i"; done
  apply_schema
  for i in 1 2 3; do start_nats "$i"; done
  local end=$((SECONDS + 60))
  until nats_ready >/dev/null 2>&1; do (( SECONDS < end )) || { log "nats cluster not ready"; return 1; }; sleep 0.5; done
  for i in 1 2 3; do start_tracker "$i"; done
  start_haproxy
  log "cluster up: http://127.0.0.1:8080"
}

stop_part() { # name
  local p; p=$(pid_of "$1")
  [[ -n $p ]] || return 0
  if kill -0 "$p" 2>/dev/null; then
    kill "$p"
    local end=$((SECONDS + 40))
    while kill -0 "$p" 2>/dev/null; do (( SECONDS < end )) || { kill -9 "$p"; break; }; sleep 0.1; done
    log "$1 stopped"
  fi
  rm -f "$DIR/$1.pid"
}

stop_all() {
  stop_part haproxy
  for i in 1 2 3; do stop_part "tracker$i"; done
  for i in 1 2 3; do stop_part "nats$i"; done
  for i in 1 2 3; do stop_part "clickhouse$i"; done
  stop_part zookeeper
}

status() {
  local part rc=0
  for part in zookeeper clickhouse1 clickhouse2 clickhouse3 nats1 nats2 nats3 tracker1 tracker2 tracker3 haproxy; do
    if alive "$part"; then echo "$part: running (pid $(pid_of "$part"))"; else echo "$part: stopped"; rc=3; fi
  done
  return $rc
}

case ${1:-} in
  start) start_all ;;
  stop) stop_all ;;
  clean) stop_all; rm -rf "$DIR" ;;
  status) status ;;
  start-node) case $2 in tracker*) start_tracker "${2#tracker}" ;; clickhouse*) start_clickhouse "${2#clickhouse}" ;;
                         nats*) start_nats "${2#nats}" ;; *) exit 2 ;; esac ;;
  stop-node) stop_part "$2" ;;
  kill-node) p=$(pid_of "$2"); [[ -n $p ]] && kill -9 "$p"; rm -f "$DIR/$2.pid"; log "$2 killed (SIGKILL)" ;;
  ch) ch "$2" "$3" ;;
  *) echo "usage: $0 start|stop|clean|status|start-node N|stop-node N|kill-node N|ch N QUERY" >&2; exit 2 ;;
esac
