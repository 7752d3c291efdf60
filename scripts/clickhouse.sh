#!/usr/bin/env bash
# A ClickHouse server for tests, benchmarks and local runs: Debian's clickhouse-server (18.16 on bookworm),
# installed when missing, started on loopback with its own config and data under $CLICKHOUSE_DIR (not as a
# system service), stopped by its own PID.
#
#   scripts/clickhouse.sh start|stop|status|restart
#   CLICKHOUSE_DIR=/tmp/tracker-clickhouse CH_HTTP_PORT=8123 CH_TCP_PORT=9000 (defaults)
#   CH_KEEP_DATA=1 keeps the data directory across start (default: a fresh one each start)
set -euo pipefail
DIR=${CLICKHOUSE_DIR:-/tmp/tracker-clickhouse}
HTTP_PORT=${CH_HTTP_PORT:-8123}
TCP_PORT=${CH_TCP_PORT:-9000}
PIDFILE=$DIR/clickhouse.pid
NAME=clickhouse
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

ready() { curl -sf "http://127.0.0.1:$HTTP_PORT/?query=SELECT%201" >/dev/null 2>&1; }

install() {
  command -v clickhouse-server >/dev/null && command -v clickhouse-client >/dev/null && return 0
  log "installing clickhouse-server and clickhouse-client (Debian)"
  apt_install clickhouse-server clickhouse-client curl
}

write_config() {
  mkdir -p "$DIR/data" "$DIR/log"
  cat > "$DIR/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$DIR/log/server.log</log><errorlog>$DIR/log/error.log</errorlog><size>100M</size><count>2</count></logger>
  <http_port>$HTTP_PORT</http_port><tcp_port>$TCP_PORT</tcp_port><listen_host>127.0.0.1</listen_host>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>268435456</uncompressed_cache_size><mark_cache_size>268435456</mark_cache_size>
  <path>$DIR/data/</path><tmp_path>$DIR/data/tmp/</tmp_path><user_files_path>$DIR/data/user_files/</user_files_path>
  <format_schema_path>$DIR/data/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config><default_profile>default</default_profile><default_database>default</default_database>
  <timezone>UTC</timezone><mlock_executable>false</mlock_executable>
</yandex>
XML
  cat > "$DIR/users.xml" <<'XML'
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage><allow_experimental_low_cardinality_type>1</allow_experimental_low_cardinality_type></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
}

start() {
  if running; then log "already running (pid $(cat "$PIDFILE"))"; return 0; fi
  install
  [[ ${CH_KEEP_DATA:-0} == 1 ]] || rm -rf "$DIR/data"
  write_config
  /usr/sbin/clickhouse-server --config-file="$DIR/config.xml" >"$DIR/log/stdout.log" 2>&1 &
  echo $! > "$PIDFILE"
  local end=$((SECONDS + 60))
  until ready; do
    if ! running; then log "server exited:"; tail -20 "$DIR/log/stdout.log" "$DIR/log/error.log" >&2 || true; return 1; fi
    (( SECONDS >= end )) && { log "not ready after 60 s"; return 1; }
    sleep 0.1
  done
  log "ClickHouse $(curl -s "http://127.0.0.1:$HTTP_PORT/?query=SELECT%20version()") ready on 127.0.0.1:$HTTP_PORT (pid $(cat "$PIDFILE"))"
}


case ${1:-} in
  start) start ;;
  stop) stop ;;
  restart) stop; CH_KEEP_DATA=1 start ;;
  status) if running && ready; then echo "running (pid $(cat "$PIDFILE")) on 127.0.0.1:$HTTP_PORT"; else echo "stopped"; exit 3; fi ;;
  install) install ;;
  *) echo "usage: $0 start|stop|status|restart|install" >&2; exit 2 ;;
esac
