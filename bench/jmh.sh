#!/usr/bin/env bash
# JMH benchmarks of the enqueue path (events/s per thread, bytes allocated per event).
#   bash bench/jmh.sh                 # both benchmarks, 1 thread, with the GC profiler
#   THREADS=2 bash bench/jmh.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f tracker-bench/target/benchmarks.jar ]] || mvn -B -q -DskipTests package -pl tracker-bench -am
java -jar tracker-bench/target/benchmarks.jar EnqueueBenchmark -t "${THREADS:-1}" -prof gc \
  | grep -E '^(Benchmark|EnqueueBenchmark)' | grep -E 'Benchmark +Mode|thrpt +[0-9]+ +[0-9.]+ .*ops/s|alloc.rate.norm'
