package io.tracker.backends.kafka;

import io.tracker.backends.Failures;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowJson;
import io.tracker.core.model.Table;
import io.tracker.core.model.Tables;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Apache Kafka: each row is one record on the topic {@code <topicPrefix><table>} (created when missing), keyed by the
 * row's event id, its value the row as JSON ({@link RowJson}, the NATS session's encoding). The producer is idempotent
 * with {@code acks=all}: a batch returns once every record is acknowledged by all in-sync replicas, and the client's
 * own retries within {@code deliveryTimeoutMillis} never write a record twice. A batch that failed, and the WAL or
 * spool replays, arrive with {@code mayRepeat}: the rows whose ids this session remembers as acknowledged (up to
 * {@code dedupEntries} per table, read back from each topic's tail at open, so a replay after a crash is covered too)
 * are not sent again; beyond that memory delivery is at-least-once, keyed by event id for consumers to deduplicate.
 * While the brokers are away a batch fails fast (one metadata round trip) and the breaker and spool take over. A
 * write-only session apart from {@link #replayEvents}.
 */
public final class KafkaSession implements Session {
    private static final Logger log = LoggerFactory.getLogger(KafkaSession.class);

    private final String name;
    private final KafkaSettings settings;
    private final Map<String, Table> tables = new HashMap<>();
    /** Per table, the event ids acknowledged most recently, oldest first (the writer thread's only). */
    private final Map<String, LinkedHashMap<UUID, Boolean>> acknowledged = new HashMap<>();
    private volatile Admin admin;
    private volatile Producer<byte[], byte[]> producer;
    private volatile boolean healthy;
    private volatile boolean isOpen;
    /** The last write failed as an outage: the next one checks the brokers first instead of waiting out a timeout. */
    private boolean outage;
    /**
     * Tables whose remembered ids may be missing records a failed batch did deliver (a broker that appended them and
     * went away before answering): read back from the topic's tail before the table's next write.
     */
    private final Set<String> unsure = new HashSet<>();
    private long lastReadBack = System.nanoTime() - TimeUnit.MINUTES.toNanos(2);

    public KafkaSession(String name, KafkaSettings settings) {
        this.name = name;
        this.settings = settings;
    }

    @Override
    public String name() {
        return name;
    }

    public String topic(Table t) {
        return settings.topicPrefix() + t.name();
    }

    /** Connection and security settings shared by the producer, the admin client and the session's readers. */
    Properties common() {
        return KafkaClients.common(settings.bootstrapServers(), "tracker-" + name, settings.securityProtocol(),
                settings.saslMechanism(), settings.user(), settings.password(), settings.requestTimeoutMillis());
    }

    private Producer<byte[], byte[]> newProducer() {
        Properties p = common();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, settings.deliveryTimeoutMillis());
        p.put(ProducerConfig.LINGER_MS_CONFIG, settings.lingerMillis());
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, settings.batchBytes());
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, settings.compression());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, settings.requestTimeoutMillis()); // metadata wait when brokers are away
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private Admin admin() {
        Admin a = admin;
        if (a == null) {
            Properties p = common();
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Math.max(settings.requestTimeoutMillis(), 2_000));
            a = admin = Admin.create(p);
        }
        return a;
    }

    private KafkaConsumer<byte[], byte[]> newReader() {
        Properties p = common();
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Math.max(settings.requestTimeoutMillis(), 2_000));
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public void open(List<Table> opened) throws SessionException {
        try {
            ensureTopics(opened);
            if (producer == null) {
                producer = newProducer();
            }
            opened.forEach(t -> tables.put(t.name(), t));
            if (settings.dedupEntries() > 0 && !seedAcknowledged(opened)) {
                opened.forEach(t -> unsure.add(t.name())); // read back again before the next replay
            }
            healthy = true;
            outage = false;
            isOpen = true;
            log.atInfo().addKeyValue("session", name).addKeyValue("bootstrapServers", settings.bootstrapServers())
                    .addKeyValue("topicPrefix", settings.topicPrefix()).log("kafka open");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SessionException("session " + name + ": interrupted while connecting", e);
        } catch (Exception e) {
            healthy = false;
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw Failures.classify("session " + name + ": cannot open Kafka at " + settings.bootstrapServers() + ": "
                    + (cause instanceof TimeoutException ? "no broker answered" : cause.getMessage()), cause, t -> false,
                    KafkaSession::isOutage);
        }
    }

    private void ensureTopics(List<Table> opened) throws Exception {
        Admin a = admin();
        int wait = settings.requestTimeoutMillis() * 2;
        Set<String> existing = a.listTopics(new ListTopicsOptions().timeoutMs(wait)).names().get(wait, TimeUnit.MILLISECONDS);
        List<NewTopic> missing = new ArrayList<>();
        for (Table t : opened) {
            if (!existing.contains(topic(t))) {
                missing.add(new NewTopic(topic(t), settings.partitions(), (short) settings.replicationFactor())
                        .configs(Map.of("min.insync.replicas", Integer.toString(
                                Math.min(settings.minInsyncReplicas(), settings.replicationFactor())))));
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        for (var e : a.createTopics(missing).values().entrySet()) {
            try {
                e.getValue().get(wait, TimeUnit.MILLISECONDS);
                log.atInfo().addKeyValue("topic", e.getKey()).addKeyValue("partitions", settings.partitions())
                        .addKeyValue("replicationFactor", settings.replicationFactor()).log("kafka topic created");
            } catch (ExecutionException x) {
                if (!(x.getCause() instanceof TopicExistsException)) { // another node created it first
                    throw x;
                }
            }
        }
    }

    /**
     * Reads the keys of the last {@code dedupEntries} records of each table's topic (spread over its partitions), so
     * that a replay after a crash of rows this or another tracker already delivered sends none of them again. Bounded
     * in time; an unfinished read only means fewer ids remembered (logged).
     */
    private boolean seedAcknowledged(List<Table> opened) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.dedupReadSeconds());
        int seeded = 0;
        try (KafkaConsumer<byte[], byte[]> c = newReader()) {
            Map<TopicPartition, String> tableOf = new HashMap<>();
            for (Table t : opened) {
                List<PartitionInfo> parts = c.partitionsFor(topic(t));
                for (PartitionInfo pi : parts == null ? List.<PartitionInfo>of() : parts) {
                    tableOf.put(new TopicPartition(pi.topic(), pi.partition()), t.name());
                }
            }
            Map<TopicPartition, Long> end = c.endOffsets(tableOf.keySet());
            Map<TopicPartition, Long> begin = c.beginningOffsets(tableOf.keySet());
            Map<String, Integer> partitionsOf = new HashMap<>();
            tableOf.values().forEach(t -> partitionsOf.merge(t, 1, Integer::sum));
            Map<TopicPartition, Long> from = new HashMap<>();
            for (var e : end.entrySet()) {
                int n = partitionsOf.get(tableOf.get(e.getKey()));
                long start = Math.max(begin.getOrDefault(e.getKey(), 0L), e.getValue() - (settings.dedupEntries() + n - 1) / n);
                if (start < e.getValue()) {
                    from.put(e.getKey(), start);
                }
            }
            List<TopicPartition> toRead = new ArrayList<>(from.keySet());
            c.assign(toRead);
            from.forEach(c::seek);
            Set<TopicPartition> pending = new HashSet<>(toRead);
            while (!pending.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    UUID eid = key(r.key());
                    if (eid != null) {
                        remember(tableOf.get(new TopicPartition(r.topic(), r.partition())), eid);
                        seeded++;
                    }
                }
                pending.removeIf(tp -> c.position(tp) >= end.get(tp));
            }
            if (!pending.isEmpty()) {
                log.atWarn().addKeyValue("session", name).addKeyValue("partitions", pending.size())
                        .log("kafka: could not read back every topic's recent keys within dedupReadSeconds; replays of rows sent "
                                + "before may be delivered again");
                return false;
            }
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("session", name).addKeyValue("error", e.getMessage())
                    .log("kafka: reading back the topics' recent keys failed; replays of rows sent before may be "
                            + "delivered again");
            return false;
        }
        log.atDebug().addKeyValue("session", name).addKeyValue("ids", seeded).log("kafka: recent event ids read back");
        return true;
    }

    private static UUID key(byte[] k) {
        if (k == null || k.length != 36) {
            return null;
        }
        try {
            return UUID.fromString(new String(k, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void remember(String table, UUID eid) {
        int max = settings.dedupEntries();
        if (max > 0) {
            acknowledged.computeIfAbsent(table, t -> new LinkedHashMap<>(1024, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
                    return size() > max;
                }
            }).put(eid, Boolean.TRUE);
        }
    }

    @Override
    public void write(Table table, List<Row> rows) throws SessionException {
        write(table, rows, false);
    }

    @Override
    public void write(Table table, List<Row> rows, boolean mayRepeat) throws SessionException {
        Table known = tables.get(table.name());
        if (known == null || !isOpen) {
            throw Failures.notOpen("session " + name + ": not open for table " + table.name());
        }
        if (!known.columns().equals(table.columns())) { // what a database's schema check would refuse
            throw SessionException.rejected("session " + name + ", table " + table.name()
                    + ": rows do not match the table's columns", null);
        }
        if (outage && !probe()) {
            throw SessionException.unavailable("session " + name + ", table " + table.name() + ": no broker of "
                    + settings.bootstrapServers() + " answers", null);
        }
        if (mayRepeat && settings.dedupEntries() > 0 && unsure.contains(table.name())
                && System.nanoTime() - lastReadBack > TimeUnit.MINUTES.toNanos(1)) {
            lastReadBack = System.nanoTime(); // at most once a minute: each try may take dedupReadSeconds
            if (seedAcknowledged(List.of(known))) {
                unsure.remove(table.name());
            }
        }
        LinkedHashMap<UUID, Boolean> seen = acknowledged.get(table.name());
        List<Row> send = rows;
        if (mayRepeat && seen != null) {
            send = new ArrayList<>(rows.size());
            for (Row r : rows) {
                if (!seen.containsKey(r.eid())) {
                    send.add(r);
                }
            }
        }
        String topic = topic(table);
        List<Future<RecordMetadata>> acks = new ArrayList<>(send.size());
        try {
            Producer<byte[], byte[]> p = producer;
            if (p == null) {
                p = producer = newProducer();
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.deliveryTimeoutMillis());
            for (Row r : send) {
                Future<RecordMetadata> f = p.send(new ProducerRecord<>(topic,
                        r.eid().toString().getBytes(StandardCharsets.US_ASCII), RowJson.encode(table, r)));
                acks.add(f);
                // A send that failed at once (no metadata within max.block.ms: the brokers are away), or a batch past
                // its delivery timeout: the rest would wait as long, so the batch fails now and is retried whole.
                if ((f.isDone() && failed(f)) || System.nanoTime() > deadline) {
                    break;
                }
            }
            p.flush(); // sends what lingers and waits for every answer (each bounded by deliveryTimeoutMillis)
            Throwable first = null;
            for (int i = 0; i < acks.size(); i++) {
                try {
                    acks.get(i).get(settings.deliveryTimeoutMillis(), TimeUnit.MILLISECONDS);
                    remember(table.name(), send.get(i).eid()); // so a retry of this batch skips the records that made it
                } catch (ExecutionException e) {
                    // An outage among the failures decides (a refused record beside timed-out ones is found again
                    // once the brokers answer): the producer is reset and the table's memory read back.
                    if (first == null || (isDataError(first) && !isDataError(e.getCause()))) {
                        first = e.getCause();
                    }
                }
            }
            if (first == null && acks.size() < send.size()) {
                first = new TimeoutException("rows still unsent after deliveryTimeoutMillis");
            }
            if (first != null) {
                throw failure(table, rows, first);
            }
            outage = false;
            healthy = true;
        } catch (SessionException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(table, rows, e);
        } catch (TimeoutException | RuntimeException e) {
            throw failure(table, rows, e);
        }
    }

    private static boolean failed(Future<RecordMetadata> f) {
        try {
            f.get(0, TimeUnit.MILLISECONDS);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return true;
        }
    }

    private SessionException failure(Table table, List<Row> rows, Throwable e) {
        SessionException f = Failures.classify("session " + name + ", table " + table.name() + ": "
                + rows.size() + " rows not acknowledged: " + e.getMessage(), e, KafkaSession::isDataError,
                KafkaSession::isOutage);
        if (f.kind() != SessionException.Kind.REJECTED) {
            unsure.add(table.name());
            // A producer that gave up on records may hold a stale sequence state: start the next batch on a fresh one.
            outage = true;
            healthy = false;
            Producer<byte[], byte[]> p = producer;
            producer = null;
            if (p != null) {
                p.close(Duration.ZERO);
            }
        }
        return f;
    }

    /** What the brokers refuse for the record itself: too large, unserializable, invalid. */
    private static boolean isDataError(Throwable t) {
        return t instanceof RecordTooLargeException || t instanceof RecordBatchTooLargeException
                || t instanceof SerializationException || t instanceof org.apache.kafka.common.InvalidRecordException;
    }

    private static boolean isOutage(Throwable t) {
        return t instanceof RetriableException || t instanceof org.apache.kafka.common.errors.TimeoutException
                || t instanceof org.apache.kafka.common.errors.AuthenticationException
                || t instanceof org.apache.kafka.common.errors.AuthorizationException
                || t instanceof java.io.IOException;
    }

    /**
     * The {@code events} records with {@code created_at} in range: each partition is read from the first record whose
     * Kafka timestamp (the producer's send time, never before the event was stamped) is at or after {@code from}, up
     * to the end offsets taken when the read began.
     */
    @Override
    public boolean replayEvents(Instant from, Instant to, List<String> enames, int pageSize, EventPages pages)
            throws SessionException {
        if (!isOpen) {
            throw Failures.notOpen("session " + name + ": not open");
        }
        Table events = Tables.EVENTS;
        try (KafkaConsumer<byte[], byte[]> c = newReader()) {
            List<TopicPartition> parts = new ArrayList<>();
            List<PartitionInfo> infos = c.partitionsFor(topic(events));
            for (PartitionInfo pi : infos == null ? List.<PartitionInfo>of() : infos) {
                parts.add(new TopicPartition(pi.topic(), pi.partition()));
            }
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            Map<TopicPartition, Long> times = new HashMap<>();
            parts.forEach(tp -> times.put(tp, from.toEpochMilli()));
            Map<TopicPartition, OffsetAndTimestamp> starts = c.offsetsForTimes(times);
            List<TopicPartition> toRead = new ArrayList<>();
            for (TopicPartition tp : parts) {
                OffsetAndTimestamp s = starts.get(tp);
                if (s != null && s.offset() < end.get(tp)) {
                    toRead.add(tp);
                }
            }
            c.assign(toRead);
            toRead.forEach(tp -> c.seek(tp, starts.get(tp).offset()));
            Set<TopicPartition> pending = new HashSet<>(toRead);
            List<Row> page = new ArrayList<>(pageSize);
            long stall = TimeUnit.MILLISECONDS.toNanos(Math.max(30_000L, settings.requestTimeoutMillis() * 6L));
            long lastProgress = System.nanoTime();
            int skipped = 0;
            while (!pending.isEmpty()) {
                var polled = c.poll(Duration.ofMillis(500));
                if (!polled.isEmpty()) {
                    lastProgress = System.nanoTime();
                } else if (System.nanoTime() - lastProgress > stall) {
                    throw new SessionException("session " + name + ": replay from Kafka stalled: " + pending.size()
                            + " partitions gave nothing for " + TimeUnit.NANOSECONDS.toSeconds(stall) + " s");
                }
                for (ConsumerRecord<byte[], byte[]> r : polled) {
                    if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
                        continue; // written after the read began
                    }
                    Row row;
                    try {
                        row = RowJson.decode(events, r.value());
                    } catch (IllegalArgumentException | IllegalStateException e) {
                        skipped++; // not a row of ours (written by something else): skipped, counted below
                        continue;
                    }
                    long at = row.get("created_at") instanceof Long l ? l : Long.MIN_VALUE;
                    if (at >= from.toEpochMilli() && at < to.toEpochMilli()
                            && (enames.isEmpty() || enames.contains(row.get("ename")))) {
                        page.add(row);
                        if (page.size() >= pageSize) {
                            pages.accept(page);
                            page = new ArrayList<>(pageSize);
                        }
                    }
                }
                pending.removeIf(tp -> c.position(tp) >= end.get(tp));
            }
            if (!page.isEmpty()) {
                pages.accept(page);
            }
            if (skipped > 0) {
                log.atWarn().addKeyValue("session", name).addKeyValue("records", skipped)
                        .log("kafka replay skipped records that are not events rows");
            }
            return true;
        } catch (SessionException e) {
            throw e;
        } catch (Exception e) {
            throw new SessionException("session " + name + ": replay from Kafka failed: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean isHealthy() {
        return healthy && producer != null;
    }

    /** A metadata round trip: the cluster's brokers, within a second and a half. */
    @Override
    public boolean probe() {
        Admin a = admin;
        if (a == null) {
            return false;
        }
        try {
            return !a.describeCluster(new DescribeClusterOptions().timeoutMs(1_500)).nodes()
                    .get(2_000, TimeUnit.MILLISECONDS).isEmpty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() throws SessionException {
        Producer<byte[], byte[]> p = producer;
        Admin a = admin;
        producer = null;
        admin = null;
        healthy = false;
        isOpen = false;
        tables.clear();
        if (p != null) {
            p.close(Duration.ofSeconds(5));
        }
        if (a != null) {
            a.close(Duration.ofSeconds(2));
        }
    }

    @Override
    public String toString() {
        return "KafkaSession[" + name + ", " + settings.bootstrapServers() + "]";
    }
}
