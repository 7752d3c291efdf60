#!/usr/bin/env bash
# Business-endpoint benchmark on DuckDB: wrk on loopback against a tracker started like `make run`.
#   - a short-link redirect (GET on the catch-all, cached lookup, one short_rdr event recorded per hit)
#   - an LTV payment (POST /tr/v1/ltv/, sync durability: answered only once stored)
# Afterwards the rows are counted: every 302 is one event, every 200 payment one payments row.
#
#   bash bench/business.sh               # 20 s per scenario, 2 wrk threads, 64 connections
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-18081}
JAR=tracker-server/target/tracker.jar
JAVA_OPTS=${JAVA_OPTS:-$(sed -n 's/^JAVA_OPTS ?= //p' Makefile)}
TOKEN=bench-$(date +%s%N)

command -v wrk >/dev/null || { echo "installing wrk (Debian package)"; apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }
[[ -f $JAR ]] || make build

DATA=$(mktemp -d /tmp/tracker-bench.XXXXXX)
LOG=$DATA/tracker.log
cleanup() { [[ -n ${PID:-} ]] && kill "$PID" 2>/dev/null || true; }
trap cleanup EXIT
# shellcheck disable=SC2086
TRACKER_ADMIN_TOKEN=$TOKEN java $JAVA_OPTS -jar "$JAR" --config config.json --port "$PORT" --data-dir "$DATA" ${ARGS:-} >"$LOG" 2>&1 &
PID=$!
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/health"; do
  kill -0 "$PID" 2>/dev/null || { echo "tracker died:"; cat "$LOG"; exit 1; }
  sleep 0.05
done
curl -sf -o /dev/null -XPOST "http://127.0.0.1:$PORT/tr/v1/rpi/redirect" -H "Authorization: Bearer $TOKEN" \
  -d '{"urlfrom":"http://127.0.0.1/go","urlto":"https://shop.example.org/sale"}'

count() { curl -s "http://127.0.0.1:$PORT/metrics" | awk -v r="$1" '$0 ~ "^tracker_events_accepted_total\\{route=\"" r "\"" {s += $2} END {printf "%d", s}'; }
echo "--- warm-up (5 s)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d5s "http://127.0.0.1:$PORT/go" >/dev/null
echo "--- short link: GET /go → 302 (${DURATION}, ${THREADS} threads, ${CONNECTIONS} connections)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$PORT/go" | grep -E 'Requests/sec|Latency  |99%|Non-2xx'
echo "--- LTV: POST /tr/v1/ltv/ (sync: answered once stored)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/ltv.lua "http://127.0.0.1:$PORT" | grep -E 'Requests/sec|Latency  |99%|Non-2xx'
REDIRECTS=$(count "short")
echo "peak RSS: $(awk '/VmHWM/ {print int($2/1024)}' "/proc/$PID/status") MB"
kill -TERM "$PID"; wait "$PID" || true; PID=
EVENTS=$(java -cp "$JAR" bench/CountRows.java "$DATA/tracker.duckdb" "SELECT count(*) FROM events WHERE ename = 'short_rdr'")
PAYMENTS=$(java -cp "$JAR" bench/CountRows.java "$DATA/tracker.duckdb" "SELECT count(*) FROM payments")
TOTAL=$(java -cp "$JAR" bench/CountRows.java "$DATA/tracker.duckdb" "SELECT sum(paid) FROM ltv WHERE id_type = 'uid'")
echo "short_rdr events accepted (server counter): $REDIRECTS, stored: $EVENTS"
echo "payments stored: $PAYMENTS; uid LTV total: $TOTAL (= payments × 19.99)"
[[ $REDIRECTS == "$EVENTS" ]] && echo "OK: stored == accepted" || { echo "MISMATCH"; exit 1; }
rm -rf "$DATA"
