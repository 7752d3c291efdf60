#!/usr/bin/env bash
# Run once by clickhouse1's entrypoint (/docker-entrypoint-initdb.d) on an empty data volume: the cluster layout of
# schema/clickhouse/cluster (ReplicatedMergeTree <t>_local ON CLUSTER + Distributed <t>) in database tracker. Every
# statement is IF NOT EXISTS, so a replay changes nothing.
set -euo pipefail
DB=${TRACKER_DB:-tracker}
CLUSTER=${TRACKER_CLUSTER:-tracker_cluster}
clickhouse-client --multiquery -q "CREATE DATABASE IF NOT EXISTS $DB ON CLUSTER $CLUSTER"
for f in /schema/cluster/*.sql; do
  sed -e "s/{db}/$DB/g" -e "s/{cluster}/$CLUSTER/g" "$f" | clickhouse-client --multiquery
  echo "init-schema: loaded $f"
done
