#!/usr/bin/env bash
# Pebble, Let's Encrypt's ACME test CA (Debian's pebble), for the ACME tests: installed when missing, started on
# loopback with a CA of its own for its HTTPS API (written under $PEBBLE_DIR, trusted by the tests through
# tls.acme.trustStoreFile), stopped by its own PID. It validates HTTP-01 challenges by connecting to the domain on
# $PEBBLE_HTTP_PORT, so the tracker under test listens there. Never a real CA.
#
#   scripts/pebble.sh start|stop|status|install
#   PEBBLE_DIR=/tmp/tracker-pebble PEBBLE_PORT=14000 PEBBLE_MGMT_PORT=15000 PEBBLE_HTTP_PORT=5002 (defaults)
set -euo pipefail
DIR=${PEBBLE_DIR:-/tmp/tracker-pebble}
PORT=${PEBBLE_PORT:-14000}
MGMT_PORT=${PEBBLE_MGMT_PORT:-15000}
HTTP_PORT=${PEBBLE_HTTP_PORT:-5002}
PIDFILE=$DIR/pebble.pid
NAME=pebble
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

ready() { curl -sf --cacert "$DIR/ca.pem" "https://localhost:$PORT/dir" >/dev/null 2>&1; }

install() {
  command -v pebble >/dev/null && command -v openssl >/dev/null && return 0
  log "installing pebble (Debian)"
  apt_install pebble openssl curl
}

certs() {
  [[ -s $DIR/cert.pem && -s $DIR/ca.pem ]] && return 0
  mkdir -p "$DIR"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj "/CN=pebble test api CA" \
    -keyout "$DIR/ca.key" -out "$DIR/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
    -keyout "$DIR/key.pem" -out "$DIR/api.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$DIR/api.ext"
  openssl x509 -req -in "$DIR/api.csr" -CA "$DIR/ca.pem" -CAkey "$DIR/ca.key" -CAcreateserial -days 30 \
    -extfile "$DIR/api.ext" -out "$DIR/cert.pem" 2>/dev/null
}

start() {
  if running; then log "already running (pid $(cat "$PIDFILE"))"; return 0; fi
  install
  certs
  cat > "$DIR/config.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$PORT", "managementListenAddress": "127.0.0.1:$MGMT_PORT",
  "certificate": "$DIR/cert.pem", "privateKey": "$DIR/key.pem", "httpPort": $HTTP_PORT, "tlsPort": 5001,
  "ocspResponderURL": "", "externalAccountBindingRequired": false}}
JSON
  # No waiting between validation attempts, no random refusals of nonces: tests stay quick and deterministic.
  PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_VA_ALWAYS_VALID=0 \
    "$(command -v pebble)" -config "$DIR/config.json" >"$DIR/pebble.log" 2>&1 &
  echo $! > "$PIDFILE"
  local end=$((SECONDS + 30))
  until ready; do
    if ! running; then log "pebble exited:"; tail -20 "$DIR/pebble.log" >&2 || true; return 1; fi
    (( SECONDS >= end )) && { log "not ready after 30 s"; return 1; }
    sleep 0.05
  done
  log "pebble ready on https://localhost:$PORT/dir (CA of its API: $DIR/ca.pem; HTTP-01 on port $HTTP_PORT)"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) if running && ready; then echo "running (pid $(cat "$PIDFILE")) on 127.0.0.1:$PORT"; else echo "stopped"; exit 3; fi ;;
  install) install ;;
  *) echo "usage: $0 start|stop|status|install" >&2; exit 2 ;;
esac
