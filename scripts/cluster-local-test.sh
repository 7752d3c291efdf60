#!/usr/bin/env bash
# Proves the no-Docker cluster by counting rows on every replica: functional checks through haproxy, then 60 s of
# load (bench/ClusterLoad.java: acknowledged = 2xx, unacknowledged retried with the same eid) while clickhouse3 is
# stopped for 8 s and then tracker2 is killed with SIGKILL and restarted. Afterwards every acknowledged eid must be on
# every replica. Prints events/s through haproxy, the killed node's rejoin time and the replica's catch-up time.
set -euo pipefail
cd "$(dirname "$0")/.."
C=scripts/cluster-local.sh
DIR=${CLUSTER_DIR:-/tmp/tracker-cluster}
export TRACKER_ADMIN_TOKEN=${TRACKER_ADMIN_TOKEN:-cluster-local-admin}
RUN=cl$(date +%s)
log() { echo "[cluster-test $(date +%T)] $*" >&2; }
$C start
fail=0

TRACKER_URL=http://127.0.0.1:8080 scripts/functional.sh health || fail=1
for t in ltv ltv-batch redirects privacy batch e2e; do TRACKER_URL=http://127.0.0.1:8080 scripts/functional.sh "$t" || fail=1; done

ACKED=$DIR/acked-$RUN.txt
java bench/ClusterLoad.java http://127.0.0.1:8080 8 90 "$ACKED" "$RUN" > "$DIR/load-$RUN.log" 2>&1 &
LOAD=$!
under_load() { kill -0 "$LOAD" 2>/dev/null || { log "the load ended before the faults: FAILED"; exit 1; }; }
sleep 3; under_load
# An erasure while every node writes with insert_quorum (its fences contend with the load's quorum inserts), beside
# the faults below; exports flush first, so under this load they get longer timeouts.
TRACKER_URL=http://127.0.0.1:8080 MAX_TIME=60 AWAIT_SECONDS=90 scripts/functional.sh privacy > "$DIR/privacy-$RUN.log" 2>&1 &
PRIVACY=$!
sleep 2; under_load
$C stop-node clickhouse3                  # a replica away under load: quorum 2 of the other two
sleep 8; under_load
$C start-node clickhouse3
t1=$(date +%s%N)
sleep 2; under_load
$C kill-node tracker2                     # SIGKILL: what it acknowledged is in its WAL
sleep 3; under_load
t0=$(date +%s%N)
$C start-node tracker2
end=$((SECONDS + 180)) ready=1
until curl -sf -o /dev/null http://127.0.0.1:8082/ready; do
  (( SECONDS < end )) || { log "tracker2 not ready 180 s after its restart began"; fail=1; ready=0; break; }
  sleep 0.1
done
rejoin_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
(( ready == 0 )) || log "tracker2 rejoined (ready) ${rejoin_ms} ms after its restart began"
under_load
wait "$LOAD"
cat "$DIR/load-$RUN.log"
wait "$PRIVACY" || fail=1
sed 's/^/under load: /' "$DIR/privacy-$RUN.log"
acked=$(wc -l < "$ACKED")

# Every node delivers what it owes — WAL, queues and spool all empty, read from its /status — then every replica must
# hold every acknowledged eid, once.
drained() { # status JSON of a node that answers and owes nothing
  local s; s=$(curl -sf "http://127.0.0.1:$((8080 + $1))/status") || return 1
  [[ $s == *'"walRowsOwed":0'* && $s != *'"queuedRows":'[1-9]* && $s != *'"spoolBytes":'[1-9]* ]]
}
for n in 1 2 3; do
  end=$((SECONDS + 120))
  until drained "$n"; do
    (( SECONDS < end )) || { log "tracker$n still owes rows (or does not answer) after 120 s"; fail=1; break; }
    sleep 0.5
  done
done
q="SELECT count(), uniqExact(eid) FROM tracker.events_local WHERE ename = '$RUN'"
end=$((SECONDS + 180))
while :; do
  r1=$($C ch 1 "$q"); r2=$($C ch 2 "$q"); r3=$($C ch 3 "$q")
  [[ $r1 == "$r2" && $r1 == "$r3" ]] && break
  (( SECONDS < end )) || { log "replicas still differ after 180 s: $r1 / $r2 / $r3"; fail=1; break; }
  sleep 0.5
done
catchup_ms=$(( ($(date +%s%N) - t1) / 1000000 ))
log "the three replicas agree ${catchup_ms} ms after clickhouse3's restart (incl. the rest of the load)"
(( acked >= 1000 )) || { log "only $acked events acknowledged: the load did not run"; fail=1; }
for n in 1 2 3; do
  read -r count distinct <<<"$($C ch "$n" "$q")"
  missing=$(clickhouse-client --host 127.0.0.1 --port $((9100 + n)) --external --file="$ACKED" --name=acked \
    --structure='eid String' -q "SELECT count() FROM acked WHERE eid NOT IN
      (SELECT toString(eid) FROM tracker.events_local WHERE ename = '$RUN')")
  log "clickhouse$n: $count rows, $distinct distinct eids, acknowledged $acked, acknowledged but missing $missing, duplicates $((count - distinct))"
  [[ $missing == 0 && $count == "$distinct" ]] || fail=1
done
FENCE="toUUID('00000000-0000-0000-0000-0000000fe0ce')" # erasures' fence rows (ClickHouseReader.fence)
for n in 1 2 3; do
  fences=$($C ch "$n" "SELECT max(c) FROM (SELECT count() AS c FROM tracker.events_local WHERE vid = $FENCE GROUP BY toYYYYMM(created_at))")
  leaked=$($C ch "$n" "SELECT count() FROM tracker.reqs_local WHERE vid = $FENCE")
  log "clickhouse$n: at most ${fences:-0} fence row(s) per events partition, $leaked in the reqs rollup"
  [[ ${fences:-0} -le 1 && $leaked == 0 ]] || fail=1
done
crashes=$(cat "$DIR"/clickhouse*/log/error.log 2>/dev/null | grep -c 'Received signal' || true)
log "ClickHouse crashes during the test: $crashes"
[[ $crashes == 0 ]] || { grep -h -A12 'Received signal' "$DIR"/clickhouse*/log/error.log | cut -c1-300 >&2; fail=1; }
(( fail == 0 )) && log "OK: every acknowledged event is on every replica" || log "FAILED"
exit "$fail"
