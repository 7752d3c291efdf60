#!/usr/bin/env bash
# Proves the no-Docker cluster by counting rows on every replica: functional checks through haproxy, then 30 s of
# load (bench/ClusterLoad.java: acknowledged = 2xx, unacknowledged retried with the same eid) while tracker2 is killed
# with SIGKILL and restarted and clickhouse3 is stopped and restarted. Afterwards every acknowledged eid must be on
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
for t in ltv ltv-batch batch e2e; do TRACKER_URL=http://127.0.0.1:8080 scripts/functional.sh "$t" || fail=1; done

ACKED=$DIR/acked-$RUN.txt
java bench/ClusterLoad.java http://127.0.0.1:8080 8 30 "$ACKED" "$RUN" > "$DIR/load-$RUN.log" 2>&1 &
LOAD=$!
sleep 5
$C kill-node tracker2
sleep 3
t0=$(date +%s%N)
$C start-node tracker2
until curl -sf -o /dev/null http://127.0.0.1:8082/ready; do sleep 0.1; done
rejoin_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
log "tracker2 rejoined (ready) ${rejoin_ms} ms after its restart began"
sleep 3
$C stop-node clickhouse3
sleep 6
$C start-node clickhouse3
t1=$(date +%s%N)
wait "$LOAD"
cat "$DIR/load-$RUN.log"
acked=$(wc -l < "$ACKED")

# Every node delivers what it owes (its WAL and spool), then every replica must hold every acknowledged eid.
for n in 1 2 3; do
  end=$((SECONDS + 120))
  until [[ $(curl -s "http://127.0.0.1:$((8080 + n))/status" | sed -n 's/.*"walRowsOwed":\([0-9]*\).*/\1/p') == 0 ]]; do
    (( SECONDS < end )) || { log "tracker$n still owes rows after 120 s"; fail=1; break; }
    sleep 0.5
  done
done
q="SELECT count(), uniqExact(eid) FROM tracker.events_local WHERE ename = '$RUN'"
end=$((SECONDS + 180))
while :; do
  r1=$($C ch 1 "$q"); r3=$($C ch 3 "$q")
  [[ $r1 == "$r3" ]] && break
  (( SECONDS < end )) || break
  sleep 0.5
done
catchup_ms=$(( ($(date +%s%N) - t1) / 1000000 ))
log "clickhouse3 caught up ${catchup_ms} ms after its restart (incl. the end of the load)"
for n in 1 2 3; do
  read -r count distinct <<<"$($C ch "$n" "$q")"
  missing=$(clickhouse-client --host 127.0.0.1 --port $((9100 + n)) --external --file="$ACKED" --name=acked \
    --structure='eid String' -q "SELECT count() FROM acked WHERE eid NOT IN
      (SELECT toString(eid) FROM tracker.events_local WHERE ename = '$RUN')")
  log "clickhouse$n: $count rows, $distinct distinct eids, acknowledged $acked, acknowledged but missing $missing, duplicates $((count - distinct))"
  [[ $missing == 0 ]] || fail=1
done
(( fail == 0 )) && log "OK: every acknowledged event is on every replica" || log "FAILED"
exit "$fail"
