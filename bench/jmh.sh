#!/usr/bin/env bash
# JMH benchmarks of the enqueue path (events/s per thread, bytes allocated per event).
#   bash bench/jmh.sh                 # EnqueueBenchmark (pipeline without enrichment, enqueue alone), 1 thread, GC profiler
#   BENCH=EnrichBenchmark bash bench/jmh.sh   # the pipeline with enrichment off / one UA repeated / a new UA per event
#   BENCH=CampaignStatsBenchmark bash bench/jmh.sh   # campaign statistics over 10M DuckDB events (p50/p99; builds them once)
#   THREADS=2 bash bench/jmh.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f tracker-bench/target/benchmarks.jar && -z ${REBUILD:-} ]] || mvn -B -q -DskipTests package -pl tracker-bench -am
java -jar tracker-bench/target/benchmarks.jar "${BENCH:-EnqueueBenchmark}" -t "${THREADS:-1}" -prof gc \
  | grep -E '^(Benchmark|EnqueueBenchmark|EnrichBenchmark|CampaignStatsBenchmark)' \
  | grep -E 'Benchmark +Mode|thrpt +[0-9]+ +[0-9.]+ .*ops/s|alloc.rate.norm|sample +[0-9]+ |p0.50|p0.99 |p1.00'
