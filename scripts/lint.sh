#!/usr/bin/env bash
# What make test can check of the deployment without a Docker engine (none runs on our machines):
#   - both compose files parse (Debian's docker-compose v1 validates offline), the haproxy configuration too;
#   - shellcheck (warnings and errors) on every shell script;
#   - the Dockerfile builds with the Makefile's build command and runs with its JAVA_OPTS, via entrypoint.sh's exec.
# Not checked here: that the images build and the containers run (README, Deploy, says so).
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=lint
PIDFILE=/dev/null
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
command -v docker-compose >/dev/null || apt_install docker-compose
command -v shellcheck >/dev/null || apt_install shellcheck
command -v haproxy >/dev/null || apt_install haproxy
fail=0

for f in docker-compose.yml docker-compose.cluster.yml; do
  if CLICKHOUSE_PASSWORD=lint-only docker-compose -f "$f" config -q; then log "$f: valid"; else log "$f: INVALID"; fail=1; fi
done
if HAPROXY_BIND=127.0.0.1:18099 TRACKER_NODE1=127.0.0.1:1 TRACKER_NODE2=127.0.0.1:2 TRACKER_NODE3=127.0.0.1:3 \
    haproxy -c -f deploy/cluster/haproxy.cfg >/dev/null; then log "deploy/cluster/haproxy.cfg: valid"; else log "deploy/cluster/haproxy.cfg: INVALID"; fail=1; fi

mapfile -t scripts < <(ls scripts/*.sh bench/*.sh deploy/*/*.sh entrypoint.sh .ci/run 2>/dev/null)
if shellcheck -x -S warning "${scripts[@]}"; then log "shellcheck: ${#scripts[@]} scripts clean"; else fail=1; fi

# The image is built and run the way the Makefile builds and runs.
mvn_cmd=$(sed -n 's/^MVN *?= *//p' Makefile)
build=$(sed -n 's/^\$(JAR): .*//; /\$(MVN) -DskipTests package/{s/.*\$(MVN) \(.*\)/\1/p;q}' Makefile)
want_build="$mvn_cmd $build"
grep -qF "RUN $want_build" Dockerfile || { log "Dockerfile does not build with the Makefile's '$want_build'"; fail=1; }
make_opts=$(sed -n 's/^JAVA_OPTS ?= //p' Makefile)
docker_opts=$(sed -n 's/^ENV JAVA_OPTS="\([^"]*\)".*/\1/p' Dockerfile)
[[ $make_opts == "$docker_opts" ]] || { log "Dockerfile JAVA_OPTS ($docker_opts) differ from the Makefile's ($make_opts)"; fail=1; }
grep -qF "java $make_opts -jar" deploy/tracker.service \
  || { log "deploy/tracker.service does not run java with the Makefile's JAVA_OPTS"; fail=1; }
grep -qE '^exec java \$\{JAVA_OPTS:-\} -jar /app/tracker.jar --config' entrypoint.sh \
  || { log "entrypoint.sh does not exec java with JAVA_OPTS"; fail=1; }
grep -qF 'COPY --from=build /src/tracker-server/target/tracker.jar' Dockerfile \
  || { log "Dockerfile does not take the jar the Makefile builds (tracker-server/target/tracker.jar)"; fail=1; }
(( fail == 0 )) && log "Dockerfile: the Makefile's build ('$want_build') and JAVA_OPTS"
exit "$fail"
