#!/usr/bin/env bash
# Pixel over HTTPS beside plain HTTP, in one run on this machine: the tracker (make run's JVM flags, DuckDB, wal) with
# its TLS on the JDK provider and on BoringSSL (netty-tcnative), and nginx (Debian's nginx-light, empty_gif with an
# access log) over the same two schemes as the baseline. wrk keeps connections alive (TLS handshakes amortised: what
# a browser or SDK does); HANDSHAKES=1 adds a run with a new connection per request. Then WebSocket frames/s into
# stored rows (bench/WsFrames.java: LZ4 frames in the Go client's format, ack mode). Prints req/s and ratios.
#
#   bash bench/tls.sh                  # DURATION=10s, CONNECTIONS=64, THREADS=1
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
THREADS=${THREADS:-1}
CONNECTIONS=${CONNECTIONS:-64}
JAR=tracker-server/target/tracker.jar
JAVA_OPTS=${JAVA_OPTS:-$(sed -n 's/^JAVA_OPTS ?= //p' Makefile)}
# shellcheck source=scripts/lib.sh
NAME=bench
PIDFILE=/dev/null
source scripts/lib.sh
command -v wrk >/dev/null || apt_install wrk
command -v nginx >/dev/null || apt_install nginx-light
[[ -f $JAR ]] || make build

WORK=$(mktemp -d /tmp/tracker-tls-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; [[ -f $WORK/nginx.pid ]] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
scripts/certs.sh "$WORK/certs" >/dev/null

cat > "$WORK/nginx.conf" <<NGINX
worker_processes 1; pid $WORK/nginx.pid; error_log $WORK/nginx-error.log; daemon on;
events { worker_connections 4096; }
http {
  access_log $WORK/nginx-access.log; client_body_temp_path $WORK; proxy_temp_path $WORK; fastcgi_temp_path $WORK;
  uwsgi_temp_path $WORK; scgi_temp_path $WORK;
  server { listen 127.0.0.1:18180; listen 127.0.0.1:18543 ssl http2;
    ssl_certificate $WORK/certs/localhost.pem; ssl_certificate_key $WORK/certs/localhost-key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { empty_gif; } }
}
NGINX
nginx -c "$WORK/nginx.conf"

req() { # label url [wrk args]
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s bench/pixel.lua "$2" "${@:3}" | grep -E 'Requests/sec|wrk:')
  echo "$out" | sed "s/^/$1: /" >&2
  echo "$out" | awk '/Requests\/sec/ {print int($2)}'
}

tracker() { # provider → starts, sets TPID
  rm -rf "$WORK/data"; mkdir -p "$WORK/data"
  # shellcheck disable=SC2086
  TRACKER_TLS_ENABLED=true TRACKER_TLS_PORT=18443 TRACKER_TLS_PROVIDER=$1 TRACKER_TLS_REDIRECT_HTTP=false \
    TRACKER_TLS_CERT_FILE=$WORK/certs/localhost.pem TRACKER_TLS_KEY_FILE=$WORK/certs/localhost-key.pem \
    java $JAVA_OPTS -jar "$JAR" --config config.json --port 18080 --data-dir "$WORK/data" >"$WORK/tracker-$1.log" 2>&1 &
  TPID=$!; PIDS+=("$TPID")
  until curl -sf -o /dev/null "http://127.0.0.1:18080/ready"; do sleep 0.05; done
  wrk -t1 -c"$CONNECTIONS" -d5s -s bench/pixel.lua "https://127.0.0.1:18443" >/dev/null # warm-up (JIT)
  wrk -t1 -c"$CONNECTIONS" -d3s -s bench/pixel.lua "http://127.0.0.1:18080" >/dev/null
}
stop_tracker() { kill -TERM "$TPID"; wait "$TPID" || true; }

echo "--- nginx empty_gif + access log"
NGX_HTTP=$(req "nginx http " http://127.0.0.1:18180)
NGX_HTTPS=$(req "nginx https" https://127.0.0.1:18543)
declare -A R
for provider in jdk openssl; do
  echo "--- tracker, tls.provider=$provider"
  tracker "$provider"
  grep -o 'provider=[a-z]*' "$WORK/tracker-$provider.log" | head -1 >&2
  R[$provider-https]=$(req "tracker https ($provider)" https://127.0.0.1:18443)
  R[$provider-http]=$(req "tracker http" http://127.0.0.1:18080)
  if [[ ${HANDSHAKES:-0} == 1 ]]; then
    R[$provider-hs]=$(req "tracker https ($provider), a new connection per request" https://127.0.0.1:18443 -H 'Connection: close')
  fi
  stop_tracker
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo "--- results (req/s; ratios in the same run)"
printf '%-34s %8s %s\n' "nginx http" "$NGX_HTTP" "1"
printf '%-34s %8s %s\n' "nginx https" "$NGX_HTTPS" "$(ratio "$NGX_HTTPS" "$NGX_HTTP") of nginx http"
for provider in jdk openssl; do
  printf '%-34s %8s %s\n' "tracker http ($provider run)" "${R[$provider-http]}" "$(ratio "${R[$provider-http]}" "$NGX_HTTP") of nginx http"
  printf '%-34s %8s %s\n' "tracker https ($provider)" "${R[$provider-https]}" "$(ratio "${R[$provider-https]}" "$NGX_HTTPS") of nginx https, $(ratio "${R[$provider-https]}" "${R[$provider-http]}") of its http"
done
printf '%-34s %8s\n' "openssl / jdk (https)" "$(ratio "${R[openssl-https]}" "${R[jdk-https]}")"

echo "--- WebSocket: LZ4 frames (Go client format) in ack mode into stored rows"
tracker openssl
WS_CONNECTIONS=${WS_CONNECTIONS:-4}
WS_FRAMES=${WS_FRAMES:-50000}
java -cp "$JAR" bench/WsFrames.java "ws://127.0.0.1:18080/tr/v1/ws?ack=1" "$WS_CONNECTIONS" "$WS_FRAMES" 256
stop_tracker
STORED=$(java -cp "$JAR" bench/CountRows.java "$WORK/data/tracker.duckdb" "SELECT count(*) FROM events WHERE ename = 'ws_bench'")
echo "stored ws_bench rows: $STORED (sent $((WS_CONNECTIONS * WS_FRAMES)))"
[[ $STORED == $((WS_CONNECTIONS * WS_FRAMES)) ]] && echo "OK: stored == sent" || { echo "MISMATCH"; exit 1; }
