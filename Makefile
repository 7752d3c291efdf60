# tracker — the two commands: `make run` (DuckDB embedded, :8080) and `make test` (the whole suite).
SHELL := /bin/bash
MVN   ?= mvn -B -q
JAR   := tracker-server/target/tracker.jar
# JVM flags for `make run` (and bench/ingest.sh): a small heap and G1 (Parallel GC compacted the whole old generation,
# Yauaa's ~120 MB included, every ~4 s under load: 0.2-0.5 s stops; README, Benchmarks). 288 MB because the user-agent
# analyzer (Yauaa) holds ~110 MB; with enrich.userAgent.enabled=false, -Xms128m -Xmx160m suffice (figures in README).
JAVA_OPTS ?= -Xms256m -Xmx288m -XX:+UseG1GC -XX:MaxDirectMemorySize=32m -XX:ReservedCodeCacheSize=48m -Xss512k -XX:+ExitOnOutOfMemoryError
SOURCES := $(shell find tracker-core/src/main tracker-backends/src/main tracker-server/src/main schema -type f 2>/dev/null) \
           pom.xml tracker-core/pom.xml tracker-backends/pom.xml tracker-server/pom.xml

# Docker: `docker compose` (v2) where it exists, else Debian's docker-compose (v1).
COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
CLUSTER  = $(COMPOSE) -f docker-compose.cluster.yml
TRACKER_URL ?= http://localhost:8080
FUNCTIONAL := health ltv ltv-batch redirects privacy jurisdictions batch messaging e2e all

.PHONY: help run test lint build clean bench bench-compare certs docker-build docker-run docker-stop docker-clean docker-logs \
        docker-shell docker-clickhouse-shell docker-verify-tables cluster-start cluster-stop cluster-test cluster-logs \
        cluster-local-start cluster-local-stop cluster-local-status cluster-local-test test-cluster \
        $(addprefix test-functional-,$(FUNCTIONAL))

help: ## this list
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | awk -F'\t' '{printf "  %-26s %s\n", $$1, $$2}'
	@echo "  test-functional-{$$(echo $(FUNCTIONAL) | tr ' ' ,)}  against TRACKER_URL ($(TRACKER_URL)), TRACKER_ADMIN_TOKEN"

# 143 = stopped by SIGTERM (Ctrl-C sends SIGINT: 130); both are a clean, drained stop.
run: $(JAR) ## start on DuckDB at http://localhost:8080 (config.json; ARGS="--port 9090 ...")
	java $(JAVA_OPTS) -jar $(JAR) --config config.json $(ARGS) || { rc=$$?; [ $$rc -eq 143 ] || [ $$rc -eq 130 ]; }

# The suite talks to real servers, installed and started on loopback by the project's scripts and stopped afterwards
# whatever the outcome: Cassandra (cassandra-all jars from Maven Central, its own JVM; started first and left to boot
# while the build compiles and the other tests run — its tests wait for it with `scripts/cassandra.sh wait`),
# ClickHouse (Debian's clickhouse-server), NATS JetStream (Debian's nats-server), Pebble (Debian's pebble, Let's
# Encrypt's test CA, for ACME), Kafka 4 in KRaft mode (kafka_2.13 jars from Maven Central, its own JVM); Debian's
# Chromium is installed for the browser tests.
test: ## the whole suite: lint, unit, end-to-end, fault, backend and functional tests on real servers
	scripts/lint.sh
	@tmp=$$(mktemp -d) && java scripts/ClusterSchema.java schema/clickhouse $$tmp && diff -r $$tmp schema/clickhouse/cluster \
	  && rm -rf $$tmp || { echo "schema/clickhouse/cluster is stale: run java scripts/ClusterSchema.java schema/clickhouse schema/clickhouse/cluster"; exit 1; }
	scripts/cassandra.sh start
	scripts/chromium.sh install
	scripts/clickhouse.sh start
	scripts/nats.sh start
	scripts/pebble.sh start
	scripts/kafka.sh start && scripts/kafka.sh wait
	rm -rf tracker-*/target/surefire-reports
	$(MVN) verify; rc=$$?; scripts/test-summary.sh; scripts/clickhouse.sh stop; scripts/nats.sh stop; scripts/pebble.sh stop; scripts/kafka.sh stop; scripts/cassandra.sh stop; \
	  [ $$rc -ne 0 ] || scripts/functional-selftest.sh || rc=1; exit $$rc

lint: ## compose files, haproxy config, shellcheck, Dockerfile = Makefile build and JVM flags
	scripts/lint.sh

build: $(JAR) ## tracker-server/target/tracker.jar

$(JAR): $(SOURCES)
	$(MVN) -DskipTests package
	@touch $(JAR)

# A self-signed development certificate for https://localhost:8443 (tls.* keys in README).
certs: ## a self-signed development certificate in certs/
	scripts/certs.sh certs

bench: $(JAR) ## wrk against the pixel and JSON routes, stored == accepted checked
	bash bench/ingest.sh

bench-compare: $(JAR) ## nginx empty_gif beside the tracker in one run: req/s, p99, ratios, stored == accepted
	bash bench/compare.sh

clean: ## remove build output
	$(MVN) clean

# ---- Docker (README, Deploy). No Docker engine runs on the project's machines: these are linted, not run, in make test.
docker-build: ## build the image tracker:latest
	docker build -t tracker:latest .

docker-run: ## single node: tracker + ClickHouse + NATS (docker-compose.yml), detached
	$(COMPOSE) up -d --build

docker-stop: ## stop the single node (volumes kept)
	$(COMPOSE) stop

docker-clean: ## remove the single node's containers and volumes (its data!)
	$(COMPOSE) down -v --remove-orphans

docker-logs: ## follow the single node's logs
	$(COMPOSE) logs -f --tail=200

docker-shell: ## a shell in the tracker container
	$(COMPOSE) exec tracker bash

docker-clickhouse-shell: ## clickhouse-client in the ClickHouse container
	$(COMPOSE) exec clickhouse clickhouse-client --database tracker

docker-verify-tables: ## every table of schema/clickhouse exists in the container's database
	@want=$$(sed -n 's/^CREATE TABLE IF NOT EXISTS {db}\.\([a-z_]*\).*/\1/p' schema/clickhouse/0*.sql | sort -u); \
	have=$$($(COMPOSE) exec -T clickhouse clickhouse-client -q "SHOW TABLES FROM tracker" | sort -u); \
	missing=$$(comm -23 <(echo "$$want") <(echo "$$have")); \
	if [ -n "$$missing" ]; then echo "missing tables: $$missing"; exit 1; else echo "all $$(echo "$$want" | wc -l) tables present"; fi

cluster-start: ## three nodes behind haproxy on :8080 (docker-compose.cluster.yml; CLICKHOUSE_PASSWORD=…)
	@[ -f deploy/cluster/secret.key ] || (umask 077 && openssl rand -hex 32 > deploy/cluster/secret.key)
	$(CLUSTER) up -d --build

cluster-stop: ## stop the three nodes (volumes kept)
	$(CLUSTER) stop

cluster-logs: ## follow the cluster's logs
	$(CLUSTER) logs -f --tail=100

cluster-test: ## functional tests through haproxy, then the same events count on every ClickHouse replica
	TRACKER_URL=http://localhost:8080 scripts/functional.sh all
	@c=$$(for i in 1 2 3; do $(CLUSTER) exec -T clickhouse$$i clickhouse-client -q "SELECT count() FROM tracker.events_local"; done | sort -u); \
	  if [ $$(echo "$$c" | wc -l) -eq 1 ]; then echo "every replica holds $$c events"; else echo "replicas differ: $$c"; exit 1; fi

# ---- The same three nodes without Docker, as local processes on loopback (scripts/cluster-local.sh).
cluster-local-start: $(JAR) ## ZooKeeper, 3 ClickHouse replicas, 3 NATS, 3 trackers (8081-8083), haproxy :8080; idempotent
	scripts/cluster-local.sh start

cluster-local-stop: ## stop every local cluster process (data kept in /tmp/tracker-cluster)
	scripts/cluster-local.sh stop

cluster-local-status: ## which local cluster processes run
	scripts/cluster-local.sh status

cluster-local-test: $(JAR) ## load with a tracker killed -9 and a replica stopped; every acked event on every replica
	scripts/cluster-local-test.sh

test-cluster: $(JAR) ## cluster-local-test on a fresh cluster, removed afterwards (.ci/run runs it after make test)
	scripts/cluster-local.sh clean; scripts/cluster-local-test.sh 2>&1 | tee /tmp/tracker-cluster-test.out; rc=$${PIPESTATUS[0]}; \
	  if [ $$rc -ne 0 ]; then \
	    tail -n 30 /tmp/tracker-cluster/tracker*.log /tmp/tracker-cluster/clickhouse*/log/error.log 2>/dev/null | cut -c1-300; \
	    echo "---- test-cluster FAILED; the test's own findings again:"; grep -a -E '^\[cluster-test|FAIL' /tmp/tracker-cluster-test.out | tail -n 40; \
	  fi; scripts/cluster-local.sh clean; exit $$rc

# ---- Functional tests against any tracker that listens (TRACKER_URL), reading back what they write.
$(addprefix test-functional-,$(FUNCTIONAL)): test-functional-%: ## health ltv ltv-batch redirects privacy jurisdictions batch messaging e2e all
	TRACKER_URL=$(TRACKER_URL) scripts/functional.sh $*
