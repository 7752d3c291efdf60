# shellcheck shell=bash
# Shared by scripts/{clickhouse,nats,cassandra}.sh (sourced, not run). Expects NAME and PIDFILE to be set.
log() { echo "[$NAME $(date +%T)] $*" >&2; }
running() { [[ -f $PIDFILE ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

# Stops the server by its PID: SIGTERM, then SIGKILL after 30 s.
stop() {
  running || { rm -f "$PIDFILE"; return 0; }
  local pid; pid=$(cat "$PIDFILE")
  kill "$pid"
  local end=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do (( SECONDS >= end )) && { kill -9 "$pid"; break; }; sleep 0.1; done
  rm -f "$PIDFILE"
  log "stopped (pid $pid)"
}

# Installs Debian packages quietly, refreshing the package lists only when the first attempt fails.
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
}
