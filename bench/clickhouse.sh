#!/usr/bin/env bash
# ClickHouse write throughput, three ways, on the server scripts/clickhouse.sh runs:
#   1. end to end: wrk → tracker (HTTP, pipeline, batch manager, WAL) → ClickHouse, until every accepted row is stored
#   2. bulk: clickhouse-client inserting the same rows from a TSV file
#   3. per event: one INSERT per row over HTTP (keep-alive)
# Prints the three rows/s figures and the ratios.   DURATION=20s PER_EVENT_ROWS=2000 bash bench/clickhouse.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-20s}
PORT=${PORT:-18090}
PER_EVENT_ROWS=${PER_EVENT_ROWS:-2000}
CH=http://127.0.0.1:${CH_HTTP_PORT:-8123}
JAR=tracker-server/target/tracker.jar
JAVA_OPTS=${JAVA_OPTS:-$(sed -n 's/^JAVA_OPTS ?= //p' Makefile)}

command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }
[[ -f $JAR ]] || make build
scripts/clickhouse.sh start
chq() { clickhouse-client --port "${CH_TCP_PORT:-9000}" -q "$1"; }
for db in bench_e2e bench_bulk bench_each bench_session; do chq "DROP DATABASE IF EXISTS $db"; done

DATA=$(mktemp -d /tmp/tracker-chbench.XXXXXX)
cat > "$DATA/config.json" <<JSON
{ "sessions": [ { "type": "clickhouse", "name": "clickhouse",
    "settings": { "url": "$CH", "database": "bench_e2e" } } ] }
JSON
# shellcheck disable=SC2086
java $JAVA_OPTS -jar "$JAR" --config "$DATA/config.json" --port "$PORT" --data-dir "$DATA" >"$DATA/tracker.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/health"; do kill -0 $PID || { cat "$DATA/tracker.log"; exit 1; }; sleep 0.05; done

echo "--- 1. end to end: wrk POST /tr/v1/tr/ for $DURATION, then graceful stop (drains every queue)"
t0=$(date +%s%N)
wrk -t2 -c64 -d"$DURATION" -s bench/post.lua "http://127.0.0.1:$PORT" | grep -E 'Requests/sec|wrk:'
ACCEPTED=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^tracker_events_accepted_total/ {s += $2} END {printf "%d", s}')
kill -TERM $PID; wait $PID || true
t1=$(date +%s%N)
ROWS=$(chq "SELECT count() FROM bench_e2e.events")
E2E=$(( ROWS * 1000000000 / (t1 - t0) ))
echo "accepted $ACCEPTED, stored $ROWS in $(( (t1 - t0) / 1000000 )) ms -> $E2E rows/s end to end"

echo "--- 1b. the ClickHouse session alone (no HTTP): 500,000 rows in 10k-row batches"
read -r SN SESSION < <(java -cp "$JAR" bench/SessionWrite.java clickhouse "{\"url\":\"$CH\",\"database\":\"bench_session\"}" 500000 2>/dev/null | tail -1)
echo "$SESSION rows/s session write ($SN rows)"

echo "--- 2. bulk: clickhouse-client INSERT ... FORMAT TabSeparated of the same $ROWS rows"
chq "SELECT * FROM bench_e2e.events FORMAT TabSeparated" > "$DATA/events.tsv"
chq "CREATE DATABASE bench_bulk"; chq "CREATE TABLE bench_bulk.events AS bench_e2e.events"
b0=$(date +%s%N)
clickhouse-client --port "${CH_TCP_PORT:-9000}" -q "INSERT INTO bench_bulk.events FORMAT TabSeparated" < "$DATA/events.tsv"
b1=$(date +%s%N)
BULK=$(( $(chq "SELECT count() FROM bench_bulk.events") * 1000000000 / (b1 - b0) ))
echo "$BULK rows/s bulk"

echo "--- 3. one INSERT per event over HTTP ($PER_EVENT_ROWS rows)"
chq "CREATE DATABASE bench_each"; chq "CREATE TABLE bench_each.events AS bench_e2e.events"
read -r N EACH < <(java bench/PerEventInsert.java "$CH" bench_each.events "$DATA/events.tsv" "$PER_EVENT_ROWS")
echo "$EACH rows/s, one INSERT per event ($N rows)"

echo "--- ratios"
awk -v e="$E2E" -v s="$SESSION" -v b="$BULK" -v p="$EACH" 'BEGIN { printf "end-to-end / bulk client   = %.2fx\nsession    / bulk client   = %.2fx\nend-to-end / per-event     = %.0fx\n", e / b, s / b, e / p }'
[[ $ACCEPTED == "$ROWS" ]] && echo "OK: stored == accepted" || { echo "MISMATCH: stored $ROWS != accepted $ACCEPTED"; exit 1; }
for db in bench_e2e bench_bulk bench_each bench_session; do chq "DROP DATABASE IF EXISTS $db"; done
rm -rf "$DATA"
