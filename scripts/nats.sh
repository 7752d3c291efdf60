#!/usr/bin/env bash
# A NATS server with JetStream for tests, benchmarks and local runs: Debian's nats-server (2.9 on bookworm),
# installed when missing, started on loopback with its own store under $NATS_DIR, stopped by its own PID.
#
#   scripts/nats.sh start|stop|status|restart|install
#   NATS_DIR=/tmp/tracker-nats NATS_PORT=4222 NATS_MON_PORT=8222 (defaults)
#   NATS_KEEP_DATA=1 keeps the JetStream store across start (default: a fresh one each start; restart keeps it)
set -euo pipefail
DIR=${NATS_DIR:-/tmp/tracker-nats}
PORT=${NATS_PORT:-4222}
MON_PORT=${NATS_MON_PORT:-8222}
PIDFILE=$DIR/nats.pid
NAME=nats
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

ready() { curl -sf "http://127.0.0.1:$MON_PORT/healthz?js-enabled-only=true" >/dev/null 2>&1; }

install() {
  command -v nats-server >/dev/null && return 0
  log "installing nats-server (Debian)"
  apt_install nats-server curl
}

start() {
  if running; then log "already running (pid $(cat "$PIDFILE"))"; return 0; fi
  install
  [[ ${NATS_KEEP_DATA:-0} == 1 ]] || rm -rf "$DIR/js"
  mkdir -p "$DIR/js"
  "$(command -v nats-server)" -a 127.0.0.1 -p "$PORT" -js -sd "$DIR/js" -m "$MON_PORT" -l "$DIR/nats.log" >/dev/null 2>&1 &
  echo $! > "$PIDFILE"
  local end=$((SECONDS + 30))
  until ready; do
    if ! running; then log "server exited:"; tail -20 "$DIR/nats.log" >&2 || true; return 1; fi
    (( SECONDS >= end )) && { log "not ready after 30 s"; return 1; }
    sleep 0.05
  done
  log "NATS $(nats-server --version | awk '{print $2}') with JetStream ready on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
}


case ${1:-} in
  start) start ;;
  stop) stop ;;
  restart) stop; NATS_KEEP_DATA=1 start ;;
  status) if running && ready; then echo "running (pid $(cat "$PIDFILE")) on 127.0.0.1:$PORT"; else echo "stopped"; exit 3; fi ;;
  install) install ;;
  *) echo "usage: $0 start|stop|status|restart|install" >&2; exit 2 ;;
esac
