#!/usr/bin/env bash
# Sustained ingest (issue 13): the tracker as `make run` starts it (its JVM flags, `wal`), on DuckDB or ClickHouse,
# under DURATION of JSON batches (bench/batch.lua: BATCH events per POST, a visitor each, so HTTP is not what limits),
# after a warm-up. Reports events accepted/s during the load, events stored/s over the wall time from the load's start
# until the tracker owes nothing (WAL, queues, spool: its /status), how long that drain took, and the ratio of
# stored/s to the session alone on the same box in the same run (bench/SessionWrite.java, 10,000-row batches of the
# rows the pipeline makes of the same events: the same columns, a visitor per row). After a SIGTERM, rows counted in
# the store must equal accepted.
# RATES paces the load (events/s offered, each a run of its own; "max" is saturation): the sustained figure is the
# highest rate that "keeps pace": no request refused or timed out, at least 3/4 of the rate accepted (wrk's pacing is
# closed-loop), and the tracker owing nothing within 2 s of the load's end (the last batch waits up to the events
# table's maxAgeMillis, 1 s, and takes its write). The sustained figure is the accepted/s of that run.
#
#   bash bench/sustained.sh                      # SINKS="duckdb clickhouse" RATES=max DURATION=60 WARMUP=20 BATCH=25 CONNECTIONS=16
#   SINKS=clickhouse DURATION=30 bash bench/sustained.sh
#   SINKS=duckdb RATES="10000 20000 30000 max" bash bench/sustained.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SINKS=${SINKS:-duckdb clickhouse}
RATES=${RATES:-max}
DURATION=${DURATION:-60}
WARMUP=${WARMUP:-20}
BATCH=${BATCH:-25}
CONNECTIONS=${CONNECTIONS:-16}
SESSION_ROWS=${SESSION_ROWS:-200000}
JAR=${JAR:-tracker-server/target/tracker.jar}
JAVA_OPTS=${JAVA_OPTS:-$(sed -n 's/^JAVA_OPTS ?= //p' Makefile)}
PORT=18085
NAME=bench
PIDFILE=/dev/null
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
command -v wrk >/dev/null || apt_install wrk
[[ -f $JAR ]] || make build
export BATCH CONNECTIONS

WORK=$(mktemp -d /tmp/tracker-sustained.XXXXXX)
TPID=
STARTED_CLICKHOUSE=
cleanup() {
  if [[ -n $TPID ]]; then kill "$TPID" 2>/dev/null || true; wait "$TPID" 2>/dev/null || true; fi
  if [[ " $SINKS " == *" clickhouse "* ]]; then
    clickhouse-client -q "DROP DATABASE IF EXISTS bench_sustained_$$" 2>/dev/null || true
  fi
  if [[ -n $STARTED_CLICKHOUSE ]]; then scripts/clickhouse.sh stop || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

metric() { # sum of a counter's series, optionally filtered by a label text
  curl -s -m 5 "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" -v f="${2:-}" \
    'index($0, m) == 1 && index($0, f) {s += $NF} END {printf "%d", s}'
}
owes() {
  local s; s=$(curl -sf -m 5 "http://127.0.0.1:$PORT/status") || return 0
  [[ $s != *'"walRowsOwed":0'* || $s == *'"queuedRows":'[1-9]* || $s == *'"spoolBytes":'[1-9]* ]]
}
drain() { # waits until the tracker owes nothing; gives up (failing the run) if it died or 10 minutes went by
  local deadline=$(( $(date +%s) + 600 ))
  while owes; do
    kill -0 "$TPID" 2>/dev/null || { echo "the tracker died:" >&2; tail -20 "$WORK/tracker-$1.log" >&2; exit 1; }
    (( $(date +%s) < deadline )) || { echo "$1: still owing rows after 10 minutes" >&2; exit 1; }
    sleep 0.05
  done
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
declare -A SESSION
ROWS_OUT=()

sustain() { # sink rate: one run of the tracker on it
  local sink=$1 rate=$2 settings db=bench_sustained_$$
  case $sink in
    duckdb) settings="{\"path\":\"tracker.duckdb\",\"memoryLimit\":\"64MB\",\"threads\":1,\"checkpointThreshold\":\"64MB\"}" ;;
    clickhouse)
      scripts/clickhouse.sh status >/dev/null || { STARTED_CLICKHOUSE=1; scripts/clickhouse.sh start; }
      settings="{\"url\":\"http://127.0.0.1:8123\",\"database\":\"$db\"}" ;;
  esac
  rm -rf "$WORK/data"; mkdir -p "$WORK/data"
  # config.json as shipped, with this sink as its one session
  python3 - "$sink" "$settings" > "$WORK/config.json" <<'PY'
import json, sys
c = json.load(open("config.json"))
c["sessions"] = [{"type": sys.argv[1], "name": sys.argv[1], "settings": json.loads(sys.argv[2])}]
print(json.dumps(c))
PY
  # shellcheck disable=SC2086
  java $JAVA_OPTS -jar "$JAR" --config "$WORK/config.json" --port "$PORT" --data-dir "$WORK/data" >"$WORK/tracker-$sink.log" 2>&1 &
  TPID=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$PORT/ready"; do
    kill -0 "$TPID" 2>/dev/null || { cat "$WORK/tracker-$sink.log"; exit 1; }
    sleep 0.05
  done
  echo "--- $sink: ${WARMUP}s warm-up, then ${DURATION}s of $BATCH-event POSTs, $CONNECTIONS connections, rate $rate" >&2
  if [[ $rate == max ]]; then unset RATE; else export RATE=$rate; fi
  wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" -s bench/batch.lua "http://127.0.0.1:$PORT" >/dev/null
  drain "$sink"
  local a0 f0 t0 out a1 f1 t1 t2 f2
  a0=$(metric tracker_events_accepted_total); f0=$(metric tracker_rows_flushed_total 'table="events"'); t0=$(now_ms)
  out=$(wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/batch.lua "http://127.0.0.1:$PORT")
  t1=$(now_ms); a1=$(metric tracker_events_accepted_total); f1=$(metric tracker_rows_flushed_total 'table="events"')
  echo "$out" | grep -E 'Requests/sec|Latency  |99%|wrk:' | sed "s/^/$sink: /" >&2
  local refused # answers other than 2xx, and timeouts or socket errors
  refused=$(echo "$out" | sed -n 's/.*non2xx=\([0-9]*\) socket_errors=\([0-9]*\).*/\1 \2/p' | awk '{print $1 + $2}')
  drain "$sink"
  t2=$(now_ms); f2=$(metric tracker_rows_flushed_total 'table="events"')
  local rss accepted stored
  rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$TPID/status")
  accepted=$(metric tracker_events_accepted_total)
  kill -TERM "$TPID"; wait "$TPID" || true; TPID=
  case $sink in
    duckdb) stored=$(java -cp "$JAR" bench/CountRows.java "$WORK/data/tracker.duckdb" "SELECT count(*) FROM events") ;;
    clickhouse) stored=$(clickhouse-client -q "SELECT count() FROM $db.events"); clickhouse-client -q "DROP DATABASE $db" ;;
  esac
  if [[ -z ${SESSION[$sink]:-} ]]; then
    rm -f "$WORK/session.duckdb"
    SESSION[$sink]=$(java -Xmx1g -cp "$JAR" bench/SessionWrite.java "$sink" "${settings/tracker.duckdb/$WORK/session.duckdb}" \
      "$SESSION_ROWS" 10000 pipeline 2>"$WORK/session-$sink.log" | tail -1 | awk '{print int($2)}') || true
    (( ${SESSION[$sink]:-0} > 0 )) || { echo "$sink: the session-alone run failed:" >&2; tail -20 "$WORK/session-$sink.log" >&2; exit 1; }
    [[ $sink == clickhouse ]] && clickhouse-client -q "DROP DATABASE IF EXISTS $db"
  fi
  local session=${SESSION[$sink]}
  local acc_s=$(( (a1 - a0) * 1000 / (t1 - t0) )) kept_s=$(( (f1 - f0) * 1000 / (t1 - t0) ))
  local stored_s=$(( (f2 - f0) * 1000 / (t2 - t0) )) drain=$(( t2 - t1 )) pace=no
  # wrk's pacing is closed-loop (a pause after each answer): a slow tracker lowers the load itself, so keeping pace
  # also means that most of the rate asked for was offered (the pause does not count the latency: ~80-90% of it is)
  [[ ${refused:-1} == 0 && $drain -le 2000 && ( $rate == max || $acc_s -ge $(( rate * 3 / 4 )) ) ]] && pace=yes
  local ratio row
  ratio=$(awk -v a="$stored_s" -v b="$session" 'BEGIN {printf "%.2f", a / b}')
  row="| $sink | $rate | $acc_s | $kept_s | $stored_s | $drain ms | ${refused:-?} | $pace | $session | $ratio | ${rss} MB | $accepted = $stored |"
  [[ $accepted == "$stored" ]] || { echo "$sink: MISMATCH: accepted $accepted, stored $stored" >&2; row+=" MISMATCH"; }
  ROWS_OUT+=("$row")
}

for s in $SINKS; do for r in $RATES; do sustain "$s" "$r"; done; done
echo
echo "| sink | offered events/s | accepted/s (load) | stored/s (during the load) | stored/s (wall, load + drain) | drain after the load | requests refused | keeps pace | session alone, rows/s | ratio (wall) | peak RSS | accepted = stored |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS_OUT[@]}"
[[ "${ROWS_OUT[*]}" != *MISMATCH* ]]
