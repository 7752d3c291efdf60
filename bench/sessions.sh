#!/usr/bin/env bash
# Rows/s of each session alone (bench/SessionWrite.java: event rows in batches of 10,000 straight into the session,
# no HTTP, no batch manager), on the servers the project's scripts run on loopback. Starts what is not running.
#   ROWS=200000 bash bench/sessions.sh
#   ONLY="nats kafka" bash bench/sessions.sh   # some of them (duckdb clickhouse cassandra nats kafka)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-200000}
JAR=tracker-server/target/tracker.jar
[[ -f $JAR ]] || make build
ONLY=${ONLY:-duckdb clickhouse cassandra nats kafka}
wanted() { [[ " $ONLY " == *" $1 "* ]]; }
if wanted clickhouse; then scripts/clickhouse.sh status >/dev/null || scripts/clickhouse.sh start; fi
if wanted nats; then scripts/nats.sh status >/dev/null || scripts/nats.sh start; fi
if wanted cassandra; then scripts/cassandra.sh status >/dev/null || { scripts/cassandra.sh start; scripts/cassandra.sh wait; }; fi
if wanted kafka; then scripts/kafka.sh status >/dev/null || { scripts/kafka.sh start; scripts/kafka.sh wait; }; fi
TMP=$(mktemp -d /tmp/tracker-sessions.XXXXXX)
STREAM=BENCH_$(date +%s)
run() { # label type settings
  wanted "$1" || return 0
  local out; out=$(java -Xmx1g -cp "$JAR" bench/SessionWrite.java "$2" "$3" "$ROWS" 2>/dev/null | tail -1)
  printf '%-11s %s rows in batches of 10,000: %s rows/s\n' "$1" "${out% *}" "${out#* }"
}
run duckdb duckdb "{\"path\":\"$TMP/bench.duckdb\",\"memoryLimit\":\"256MB\",\"threads\":1}"
run clickhouse clickhouse '{"url":"http://127.0.0.1:8123","database":"bench_sessions"}'
run cassandra cassandra "{\"contactPoints\":[\"127.0.0.1:9042\"],\"keyspace\":\"bench_sessions\"}"
run nats nats "{\"servers\":[\"nats://127.0.0.1:4222\"],\"stream\":\"$STREAM\",\"subjectPrefix\":\"bench.$STREAM\"}"
# Kafka: acks=all, idempotent, lz4; a batch returns once every record is acknowledged.
run kafka kafka "{\"bootstrapServers\":[\"127.0.0.1:9092\"],\"topicPrefix\":\"bench_$STREAM.\"}"
rm -rf "$TMP"
