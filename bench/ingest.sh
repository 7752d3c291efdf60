#!/usr/bin/env bash
# Ingest benchmark: wrk on loopback against a tracker started as `make run` starts it (same heap flags),
# on a fresh DuckDB file. Prints req/s for the pixel and for JSON POST, the time from `java -jar` to the
# first accepted event, peak RSS, and afterwards accepted (server's own counter) vs rows stored.
#
#   bash bench/ingest.sh                 # 20 s per scenario, 2 wrk threads, 64 connections
#   DURATION=60s CONNECTIONS=128 bash bench/ingest.sh
#   ARGS="--durability wal" bash bench/ingest.sh   # extra tracker flags, when they exist
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-18080}
JAR=tracker-server/target/tracker.jar
JAVA_OPTS=${JAVA_OPTS:-$(sed -n 's/^JAVA_OPTS ?= //p' Makefile)}

command -v wrk >/dev/null || { echo "installing wrk (Debian package)"; apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }
[[ -f $JAR ]] || make build

DATA=$(mktemp -d /tmp/tracker-bench.XXXXXX)
LOG=$DATA/tracker.log
cleanup() { [[ -n ${PID:-} ]] && kill "$PID" 2>/dev/null || true; }
trap cleanup EXIT

start_ns=$(date +%s%N)
# shellcheck disable=SC2086
java $JAVA_OPTS -jar "$JAR" --config config.json --port "$PORT" --data-dir "$DATA" ${ARGS:-} >"$LOG" 2>&1 &
PID=$!
until curl -sf -o /dev/null -X POST "http://127.0.0.1:$PORT/tr/v1/str/" -d '{"ename":"bench_first"}'; do
  kill -0 "$PID" 2>/dev/null || { echo "tracker died:"; cat "$LOG"; exit 1; }
  sleep 0.02
done
first_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
echo "start-up: ${first_ms} ms from java -jar to the first accepted event"
echo "jvm: $JAVA_OPTS"

rss_peak() { awk '/VmHWM/ {print int($2/1024)}' "/proc/$PID/status"; }
accepted() { curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^tracker_events_accepted_total/ {s += $2} END {printf "%d", s}'; }

echo "--- warm-up (5 s)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s bench/pixel.lua "http://127.0.0.1:$PORT" >/dev/null
SECS=${DURATION%s}
scenario() { # name lua
  local before after
  before=$(accepted)
  echo "--- $1 (${DURATION}, ${THREADS} wrk threads, ${CONNECTIONS} connections)"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$2" "http://127.0.0.1:$PORT" | grep -E 'Requests/sec|Latency  |99%|wrk:'
  after=$(accepted)
  echo "accepted/s (2xx, server counter): $(( (after - before) / SECS ))"
}
scenario "pixel: GET /tr/v1/img/?..." bench/pixel.lua
scenario "json: POST /tr/v1/tr/" bench/post.lua

ACCEPTED=$(accepted)
echo "peak RSS: $(rss_peak) MB"
kill -TERM "$PID"
wait "$PID" || true
PID=
STORED=$(java -cp "$JAR" bench/CountRows.java "$DATA/tracker.duckdb" "SELECT count(*) FROM events")
echo "accepted (server counter): $ACCEPTED"
echo "stored (rows in DuckDB):   $STORED"
[[ $ACCEPTED == "$STORED" ]] && echo "OK: stored == accepted" || { echo "MISMATCH: stored != accepted"; exit 1; }
rm -rf "$DATA"
