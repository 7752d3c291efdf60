# tracker — the two commands: `make run` (DuckDB embedded, :8080) and `make test` (the whole suite).
SHELL := /bin/bash
MVN   ?= mvn -B -q
JAR   := tracker-server/target/tracker.jar
# JVM flags for `make run` (and bench/ingest.sh): a small heap and Parallel GC keep the whole process,
# DuckDB included, under 400 MB RSS at 30k req/s on 2 cores (figures in README).
JAVA_OPTS ?= -Xms128m -Xmx160m -XX:+UseParallelGC -XX:MaxDirectMemorySize=32m -XX:ReservedCodeCacheSize=48m -Xss512k -XX:+ExitOnOutOfMemoryError
SOURCES := $(shell find tracker-core/src/main tracker-backends/src/main tracker-server/src/main schema -type f 2>/dev/null) \
           pom.xml tracker-core/pom.xml tracker-backends/pom.xml tracker-server/pom.xml

.PHONY: run test build clean bench certs

# 143 = stopped by SIGTERM (Ctrl-C sends SIGINT: 130); both are a clean, drained stop.
run: $(JAR)
	java $(JAVA_OPTS) -jar $(JAR) --config config.json $(ARGS) || { rc=$$?; [ $$rc -eq 143 ] || [ $$rc -eq 130 ]; }

# The suite talks to real servers, installed and started on loopback by the project's scripts and stopped afterwards
# whatever the outcome: Cassandra (cassandra-all jars from Maven Central, its own JVM; started first and left to boot
# while the build compiles and the other tests run — its tests wait for it with `scripts/cassandra.sh wait`),
# ClickHouse (Debian's clickhouse-server), NATS JetStream (Debian's nats-server), Pebble (Debian's pebble, Let's
# Encrypt's test CA, for ACME).
test:
	@tmp=$$(mktemp -d) && java scripts/ClusterSchema.java schema/clickhouse $$tmp && diff -r $$tmp schema/clickhouse/cluster \
	  && rm -rf $$tmp || { echo "schema/clickhouse/cluster is stale: run java scripts/ClusterSchema.java schema/clickhouse schema/clickhouse/cluster"; exit 1; }
	scripts/cassandra.sh start
	scripts/clickhouse.sh start
	scripts/nats.sh start
	scripts/pebble.sh start
	rm -rf tracker-*/target/surefire-reports
	$(MVN) verify; rc=$$?; scripts/test-summary.sh; scripts/clickhouse.sh stop; scripts/nats.sh stop; scripts/pebble.sh stop; scripts/cassandra.sh stop; exit $$rc

build: $(JAR)

$(JAR): $(SOURCES)
	$(MVN) -DskipTests package
	@touch $(JAR)

# A self-signed development certificate for https://localhost:8443 (tls.* keys in README).
certs:
	scripts/certs.sh certs

bench: $(JAR)
	bash bench/ingest.sh

clean:
	$(MVN) clean
