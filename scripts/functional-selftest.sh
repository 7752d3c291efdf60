#!/usr/bin/env bash
# Runs scripts/functional.sh all against a tracker started here from the built jar (DuckDB, a fresh data directory,
# an admin token, port 18380), so make test proves the functional targets work; stops it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=tracker-server/target/tracker.jar
PORT=${SELFTEST_PORT:-18380}
[[ -f $JAR ]] || { echo "build the jar first (make build)" >&2; exit 2; }
DATA=$(mktemp -d /tmp/tracker-functional.XXXXXX)
TOKEN=$(cat /proc/sys/kernel/random/uuid)
cleanup() { if [[ -n ${PID:-} ]]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi; rm -rf "$DATA"; }
trap cleanup EXIT
TRACKER_ADMIN_TOKEN=$TOKEN java -jar "$JAR" --config config.json --port "$PORT" --data-dir "$DATA" >"$DATA/tracker.log" 2>&1 &
PID=$!
end=$((SECONDS + 60))
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/ready"; do
  kill -0 "$PID" 2>/dev/null || { cat "$DATA/tracker.log"; exit 1; }
  (( SECONDS < end )) || { echo "tracker not ready after 60 s" >&2; exit 1; }
  sleep 0.1
done
TRACKER_URL=http://127.0.0.1:$PORT TRACKER_ADMIN_TOKEN=$TOKEN scripts/functional.sh all
