#!/usr/bin/env bash
# The container's entry point: secrets from files, an optional wait for backends, then java as PID 1's child that
# replaces this shell (exec), so SIGTERM reaches the tracker and it stops drained.
#
# Environment (besides every TRACKER_* key of README's Configuration, which the tracker reads itself):
#   TRACKER_ADMIN_TOKEN_FILE, TRACKER_PRIVACY_HASH_SALT_FILE, TRACKER_SESSIONS_<n>_SETTINGS_PASSWORD_FILE,
#   TRACKER_TLS_... never: tls.certFile/keyFile are paths already
#                                      =/run/secrets/x sets the secret from the file (Docker/Kubernetes secrets)
#   PORT                               sets TRACKER_SERVER_PORT when that is not set (platforms that assign a port)
#   WAIT_FOR="host:port host:port"     wait until each accepts TCP, at most WAIT_TIMEOUT seconds (default 60) in all;
#                                      then start anyway: the tracker runs degraded (spooling) until they are up
#   TRACKER_CONFIG                     the configuration file (default /app/config.json)
#   JAVA_OPTS                          JVM flags (default: make run's)
set -euo pipefail

# Only the secrets' names: keys that end in "File" (tls.certFile → TRACKER_TLS_CERT_FILE) are paths, kept as they are.
for name in $(compgen -e | grep -E '^TRACKER_(ADMIN_TOKEN|PRIVACY_HASH_SALT|SESSIONS_[0-9]+_SETTINGS_PASSWORD)_FILE$' || true); do
  target=${name%_FILE}
  file=${!name}
  [[ -r $file ]] || { echo "entrypoint: $name: cannot read $file" >&2; exit 64; }
  export "$target=$(cat "$file")"
  unset "$name"
done

if [[ -n ${PORT:-} && -z ${TRACKER_SERVER_PORT:-} ]]; then
  export TRACKER_SERVER_PORT=$PORT
fi

if [[ -n ${WAIT_FOR:-} ]]; then
  deadline=$((SECONDS + ${WAIT_TIMEOUT:-60}))
  for target in $WAIT_FOR; do
    host=${target%:*}
    port=${target##*:}
    until timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; do
      if (( SECONDS >= deadline )); then
        echo "entrypoint: $target not reachable after ${WAIT_TIMEOUT:-60} s; starting degraded" >&2
        break 2
      fi
      sleep 1
    done
    echo "entrypoint: $target is up" >&2
  done
fi

# shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
exec java ${JAVA_OPTS:-} -jar /app/tracker.jar --config "${TRACKER_CONFIG:-/app/config.json}" "$@"
