#!/usr/bin/env bash
# The tracker against nginx-as-a-collector, in one run on this machine (issue 13's method): wrk on loopback against
# nginx (Debian's nginx-light, empty_gif with an access log) and against the tracker as `make run` starts it (its JVM
# flags, DuckDB, config.json's durability: wal), each path at saturation for DURATION. Prints req/s, p99 and the
# ratio to nginx; then how long the backlog took to drain after the bursts, the p99 latency of both at a constant
# rate (half the tracker's pixel burst; bench/RateLoad.java), peak RSS, and, after a SIGTERM, the
# tracker's own accepted counter against the rows stored in DuckDB (they must be equal).
#
#   bash bench/compare.sh                        # DURATION=10s THREADS=1 CONNECTIONS=64
#   DURATION=30s CONNECTIONS=128 bash bench/compare.sh
#   CONFIG=my.json JAR=old.jar bash bench/compare.sh   # another configuration or build
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
THREADS=${THREADS:-1}
CONNECTIONS=${CONNECTIONS:-64}
JAR=${JAR:-tracker-server/target/tracker.jar}
CONFIG=${CONFIG:-config.json}
JAVA_OPTS=${JAVA_OPTS:-$(sed -n 's/^JAVA_OPTS ?= //p' Makefile)}
NAME=bench
PIDFILE=/dev/null
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
command -v wrk >/dev/null || apt_install wrk
command -v nginx >/dev/null || apt_install nginx-light
[[ -f $JAR ]] || make build

WORK=$(mktemp -d /tmp/tracker-compare.XXXXXX)
TPID=
cleanup() {
  [[ -n $TPID ]] && kill "$TPID" 2>/dev/null || true
  [[ -f $WORK/nginx.pid ]] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

cat > "$WORK/nginx.conf" <<NGINX
worker_processes 1; pid $WORK/nginx.pid; error_log $WORK/nginx-error.log; daemon on;
events { worker_connections 4096; }
http {
  access_log $WORK/nginx-access.log; client_body_temp_path $WORK; proxy_temp_path $WORK; fastcgi_temp_path $WORK;
  uwsgi_temp_path $WORK; scgi_temp_path $WORK;
  server { listen 127.0.0.1:18180; location / { empty_gif; } }
}
NGINX
nginx -c "$WORK/nginx.conf"

declare -A RPS P99
run() { # key url lua: wrk at saturation; prints wrk's lines to stderr
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$3" "$2")
  echo "$out" | grep -E 'Requests/sec|Latency  |99%|wrk:' | sed "s/^/$1: /" >&2
  RPS[$1]=$(echo "$out" | awk '/Requests\/sec/ {print int($2)}')
  P99[$1]=$(echo "$out" | awk '$1 == "99%" {print $2}')
  if echo "$out" | grep -q 'non2xx=[1-9]'; then echo "$1: answers other than 2xx (see above)" >&2; fi
}

echo "--- nginx empty_gif + access log" >&2
wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s bench/pixel.lua http://127.0.0.1:18180 >/dev/null
run nginx http://127.0.0.1:18180 bench/pixel.lua

echo "--- tracker (DuckDB, $JAVA_OPTS)" >&2
mkdir -p "$WORK/data"
# shellcheck disable=SC2086
java $JAVA_OPTS -jar "$JAR" --config "$CONFIG" --port 18080 --data-dir "$WORK/data" >"$WORK/tracker.log" 2>&1 &
TPID=$!
until curl -sf -o /dev/null http://127.0.0.1:18080/ready; do
  kill -0 "$TPID" 2>/dev/null || { cat "$WORK/tracker.log"; exit 1; }
  sleep 0.05
done
wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s bench/pixel.lua http://127.0.0.1:18080 >/dev/null # warm-up (JIT)
wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s bench/post.lua http://127.0.0.1:18080 >/dev/null
run ping http://127.0.0.1:18080/ping bench/ping.lua
run pixel http://127.0.0.1:18080 bench/pixel.lua
run json http://127.0.0.1:18080 bench/post.lua
burst_end=$(date +%s%N)
owes() { # the tracker still holds rows it has not stored (WAL, queues or spool)
  local s; s=$(curl -sf http://127.0.0.1:18080/status) || return 0
  [[ $s != *'"walRowsOwed":0'* || $s == *'"queuedRows":'[1-9]* || $s == *'"spoolBytes":'[1-9]* ]]
}
while owes; do sleep 0.05; done
drain_ms=$(( ($(date +%s%N) - burst_end) / 1000000 ))
# Latency at a constant rate (half the pixel burst unless RATE is given), corrected for coordinated omission:
# bench/RateLoad.java (wrk2's method; wrk2 is not packaged in Debian), the same rate against nginx and the tracker.
RATE=${RATE:-$(( RPS[pixel] / 2 ))}
pixel_url="http://127.0.0.1:18080$(sed -n 's/^wrk.path = "\(.*\)"$/\1/p' bench/pixel.lua)"
rate_load() { # key url: prints the generator's line to stderr, keeps p99 and p99.9
  local out
  java -XX:+UseSerialGC -Xms64m -Xmx64m bench/RateLoad.java "$2" "$RATE" 3 "$CONNECTIONS" >/dev/null 2>&1 || true
  out=$(java -XX:+UseSerialGC -Xms64m -Xmx64m bench/RateLoad.java "$2" "$RATE" "${LATENCY_SECONDS:-15}" "$CONNECTIONS" 2>&1) || true
  echo "$1 at $RATE/s: $out" >&2
  LAT99[$1]=$(echo "$out" | sed -n 's/.* p99=\([0-9.]*ms\).*/\1/p')
  LAT999[$1]=$(echo "$out" | sed -n 's/.* p99.9=\([0-9.]*ms\).*/\1/p')
}
declare -A LAT99 LAT999
echo "--- constant rate" >&2
rate_load tracker "$pixel_url"
rate_load nginx "${pixel_url/18080/18180}"
rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$TPID/status")
accepted=$(curl -s http://127.0.0.1:18080/metrics | awk '/^tracker_events_accepted_total/ {s += $2} END {printf "%d", s}')
kill -TERM "$TPID"; wait "$TPID" || true; TPID=
stored=$(java -cp "$JAR" bench/CountRows.java "$WORK/data/tracker.duckdb" \
  "SELECT count(*) FROM events WHERE ename IN ('bench_pixel', 'bench_post')")
# (the warm-up's events count too: the counter and the table both include them)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo
echo "| path | req/s | p99 | ratio to nginx |"
echo "|---|---|---|---|"
echo "| nginx \`empty_gif\` + access log | ${RPS[nginx]} | ${P99[nginx]} | 1 |"
echo "| tracker \`/ping\` (Netty alone) | ${RPS[ping]} | ${P99[ping]} | $(ratio "${RPS[ping]}" "${RPS[nginx]}") |"
echo "| tracker pixel \`GET /tr/v1/img/?…\` | ${RPS[pixel]} | ${P99[pixel]} | $(ratio "${RPS[pixel]}" "${RPS[nginx]}") |"
echo "| tracker JSON \`POST /tr/v1/tr/\` | ${RPS[json]} | ${P99[json]} | $(ratio "${RPS[json]}" "${RPS[nginx]}") |"
echo
echo "backlog drained ${drain_ms} ms after the last burst; peak RSS ${rss} MB"
echo "pixel at a constant ${RATE}/s (bench/RateLoad.java, corrected latencies): tracker p99 ${LAT99[tracker]:-?}" \
  "(p99.9 ${LAT999[tracker]:-?}), nginx p99 ${LAT99[nginx]:-?} (p99.9 ${LAT999[nginx]:-?})"
echo "accepted (server counter) ${accepted}, stored ${stored}"
[[ $accepted == "$stored" ]] && echo "OK: stored == accepted" || { echo "MISMATCH: stored != accepted"; exit 1; }
