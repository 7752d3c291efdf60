#!/usr/bin/env bash
# The schema-init service of docker-compose.cluster.yml (once every replica is healthy): the cluster layout of
# schema/clickhouse/cluster (ReplicatedMergeTree <t>_local ON CLUSTER + Distributed <t>) in database tracker. Every
# statement is IF NOT EXISTS, so running it on every `up` changes nothing.
set -euo pipefail
DB=${TRACKER_DB:-tracker}
CLUSTER=${TRACKER_CLUSTER:-tracker_cluster}
client=(clickhouse-client --host "${CH_HOST:-clickhouse1}" --user "${CLICKHOUSE_USER:-default}" --multiquery)
if [[ -n ${CLICKHOUSE_PASSWORD:-} ]]; then client+=(--password "$CLICKHOUSE_PASSWORD"); fi
"${client[@]}" -q "CREATE DATABASE IF NOT EXISTS $DB ON CLUSTER $CLUSTER"
for f in /schema/cluster/*.sql; do
  sed -e "s/{db}/$DB/g" -e "s/{cluster}/$CLUSTER/g" "$f" | "${client[@]}"
  echo "init-schema: loaded $f"
done
