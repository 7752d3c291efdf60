package io.tracker.server.consume;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tracker.backends.kafka.KafkaClients;
import io.tracker.core.batch.BatchManager;
import io.tracker.core.batch.QueueFullException;
import io.tracker.core.business.ConsumedMessages;
import io.tracker.core.config.ConsumerConfig;
import io.tracker.core.model.Row;
import io.tracker.core.pipeline.BadRequestException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka consumer group member whose records become rows through the batch manager. Each poll's records are
 * enqueued partition by partition; a partition's offset is committed only once the batch manager has confirmed its
 * rows (as safe as the table's durability promises: in the WAL, or stored), so a tracker that stops or crashes
 * leaves the rest to be read again. A row's id and time come from the record (its topic, partition and offset, and
 * its timestamp; an {@code event} record's own {@code eid} when it has one), so a record read again builds the same
 * row; records that an earlier member may already have handed over (below the partition's end offset when it was
 * assigned, or after a refused enqueue) are enqueued as {@code mayRepeat} and the sessions skip the stored copies.
 * A record that can never become a row is counted as invalid and skipped; when the tracker refuses (queues full,
 * stopping) the partition is rewound to the refused records and tried again a second later.
 */
public final class KafkaTopicConsumer implements MessageConsumer {
    private static final Logger log = LoggerFactory.getLogger(KafkaTopicConsumer.class);

    private final ConsumerConfig config;
    private final BatchManager batches;
    private final ConsumedMessages messages;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Counter queued;
    private final Counter invalid;
    private final Counter refused;
    private final Thread thread;
    /** Per assigned partition, the offset below which a record may already have become a row. */
    private final Map<TopicPartition, Long> uncertainBelow = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    private final java.util.concurrent.atomic.AtomicInteger up = new java.util.concurrent.atomic.AtomicInteger(1);
    /** How long a stopping consumer still waits for the rows it enqueued before it commits what is confirmed. */
    private static final long STOP_WAIT_MILLIS = 10_000;

    private KafkaTopicConsumer(ConsumerConfig config, BatchManager batches, ConsumedMessages messages,
                               MeterRegistry registry) {
        this.config = config;
        this.batches = batches;
        this.messages = messages;
        Properties p = KafkaClients.common(config.bootstrapServers(), "tracker-consumer-" + config.kind() + "-"
                        + config.groupId() + "-" + Integer.toHexString(config.source().hashCode()),
                config.securityProtocol(), config.saslMechanism(), config.user(), config.password(), 30_000);
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, config.startFrom());
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxPollRecords());
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, config.sessionTimeoutMillis());
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
                Math.max(500, config.sessionTimeoutMillis() / 3));
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.queued = counter(registry, "queued");
        this.invalid = counter(registry, "invalid");
        this.refused = counter(registry, "refused");
        io.micrometer.core.instrument.Gauge.builder("tracker.consumer.up", up, java.util.concurrent.atomic.AtomicInteger::get)
                .description("1 while the Kafka consumer polls normally, 0 while it retries after an error")
                .tags("kind", config.kind(), "subject", config.source()).register(registry);
        this.thread = new Thread(this::run, "kafka-consumer-" + config.kind());
        this.thread.setDaemon(true);
    }

    private Counter counter(MeterRegistry registry, String outcome) {
        return Counter.builder("tracker.consumed").description("messages consumed from NATS or Kafka, by outcome")
                .tags("kind", config.kind(), "subject", config.source(), "outcome", outcome).register(registry);
    }

    public static KafkaTopicConsumer start(ConsumerConfig config, BatchManager batches, ConsumedMessages messages,
                                           MeterRegistry registry) {
        KafkaTopicConsumer c = new KafkaTopicConsumer(config, batches, messages, registry);
        c.consumer.subscribe(config.topics(), c.new Rebalance());
        c.thread.start();
        log.atInfo().addKeyValue("topics", config.topics()).addKeyValue("kind", config.kind())
                .addKeyValue("groupId", config.groupId()).log("kafka consumer subscribed");
        return c;
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> parts) {
            // Whatever lies below the end now may have been enqueued by the member that had the partition before
            // (stored, not yet committed): enqueued as mayRepeat. What arrives later is new to everyone.
            try {
                uncertainBelow.putAll(consumer.endOffsets(parts, Duration.ofSeconds(30)));
            } catch (RuntimeException e) {
                parts.forEach(tp -> uncertainBelow.put(tp, Long.MAX_VALUE));
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> parts) {
            // Records of these partitions still awaiting confirmation are not committed here: their new owner reads
            // them again, below its assignment's end offsets, as mayRepeat.
            parts.forEach(uncertainBelow::remove);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> parts) {
            parts.forEach(uncertainBelow::remove);
        }
    }

    private void run() {
        long backoff = 1_000;
        try {
            while (running) {
                ConsumerRecords<byte[], byte[]> records = ConsumerRecords.empty();
                try {
                    records = consumer.poll(Duration.ofMillis(500));
                    if (!records.isEmpty() && !handle(records)) {
                        sleep(1_000);
                    }
                    backoff = 1_000;
                    up.set(1);
                } catch (WakeupException e) {
                    // close(): the loop condition ends it
                } catch (org.apache.kafka.common.errors.InterruptException e) {
                    running = false;
                } catch (RuntimeException e) {
                    // An authentication or authorization failure, a deleted topic, a row that could not be built:
                    // keep the member, give back what this poll took (none of it is committed), retry, say so.
                    for (TopicPartition tp : records.partitions()) {
                        try {
                            consumer.seek(tp, records.records(tp).get(0).offset());
                        } catch (RuntimeException notOurs) {
                            // revoked meanwhile: its next owner starts from the committed offset
                        }
                    }
                    up.set(0);
                    log.atError().addKeyValue("topics", config.topics()).addKeyValue("retryInMillis", backoff)
                            .addKeyValue("error", e.toString()).log("kafka consumer failed; retrying");
                    sleep(backoff);
                    backoff = Math.min(backoff * 2, 30_000);
                }
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Sleeps, waking early when close() is called. */
    private void sleep(long millis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        try {
            while (running && System.nanoTime() < end) {
                Thread.sleep(Math.min(100, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** One poll's records into rows, partition by partition; true when every partition's records were taken. */
    private boolean handle(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, CompletableFuture<Void>> pending = new HashMap<>();
        Map<TopicPartition, long[]> range = new HashMap<>(); // first and last offset, rows, of each partition's records
        boolean allTaken = true;
        boolean ownIds = config.kind().equals("event"); // records with ids of their own: the source may repeat them
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
            List<Row> rows = new ArrayList<>(rs.size());
            boolean mayRepeat = ownIds;
            for (ConsumerRecord<byte[], byte[]> r : rs) {
                try {
                    rows.add(row(r));
                    mayRepeat |= r.offset() < uncertainBelow.getOrDefault(tp, Long.MAX_VALUE);
                } catch (BadRequestException e) {
                    invalid.increment();
                    log.atDebug().addKeyValue("topic", r.topic()).addKeyValue("offset", r.offset())
                            .addKeyValue("reason", e.getMessage()).log("record skipped");
                }
            }
            long first = rs.get(0).offset();
            long last = rs.get(rs.size() - 1).offset();
            range.put(tp, new long[] {first, last, rows.size()});
            try {
                pending.put(tp, rows.isEmpty() ? CompletableFuture.completedFuture(null)
                        : batches.enqueue(rows, mayRepeat));
            } catch (QueueFullException e) {
                refused.increment(rows.size());
                consumer.seek(tp, first);
                allTaken = false;
                log.atWarn().addKeyValue("topic", tp.topic()).addKeyValue("partition", tp.partition())
                        .addKeyValue("reason", e.getMessage()).log("records refused: the tracker is at its limits or stopping");
            }
        }
        await(pending.values());
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        for (var e : pending.entrySet()) {
            TopicPartition tp = e.getKey();
            long[] r = range.get(tp);
            CompletableFuture<Void> f = e.getValue();
            if (f.isDone() && !f.isCompletedExceptionally()) {
                queued.increment(r[2]);
                commit.put(tp, new OffsetAndMetadata(r[1] + 1));
            } else {
                // Refused (the WAL failed, stopping) or not confirmed before the stop: read again, maybe stored already.
                refused.increment(r[2]);
                rewind(tp, r);
                allTaken = false;
            }
        }
        // Only partitions still ours: a revoked one's new owner has its own position (committing ours could move it
        // back, or forward past what it has not stored).
        commit.keySet().retainAll(consumer.assignment());
        if (!commit.isEmpty()) {
            commit(commit);
        }
        return allTaken;
    }

    /**
     * Waits for the enqueued rows' confirmations however long storage takes, polling meanwhile with every partition
     * paused so the group keeps this member (max.poll.interval.ms) without fetching more. Records a poll hands over
     * anyway (a partition assigned meanwhile, not paused yet) are given back by seeking to them. After close() it
     * waits at most {@code STOP_WAIT_MILLIS} more; what is unconfirmed then is read again by the next owner.
     */
    private void await(java.util.Collection<CompletableFuture<Void>> pending) {
        CompletableFuture<Void> all = CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new));
        long stopDeadline = Long.MAX_VALUE;
        while (!all.isDone()) {
            try {
                all.get(200, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                if (!running && stopDeadline == Long.MAX_VALUE) {
                    stopDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_WAIT_MILLIS);
                }
                if (System.nanoTime() > stopDeadline) {
                    return;
                }
                keepAlive();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                return; // allOf fails only once every future is done: the refused partitions are rewound by handle()
            }
        }
    }

    private void keepAlive() {
        try {
            consumer.pause(consumer.assignment());
            ConsumerRecords<byte[], byte[]> extra = consumer.poll(Duration.ZERO);
            for (TopicPartition tp : extra.partitions()) {
                consumer.seek(tp, extra.records(tp).get(0).offset()); // not taken now: fetched again after the wait
            }
        } catch (WakeupException e) {
            // close() while waiting: keep waiting (bounded), the loop ends after the commit
        } catch (RuntimeException e) {
            log.atDebug().addKeyValue("error", e.toString()).log("kafka keep-alive poll failed");
        } finally {
            try {
                consumer.resume(consumer.assignment());
            } catch (RuntimeException ignored) {
                // resumed by the next poll's assignment
            }
        }
    }

    /** Commits, once more if close() woke the consumer up in the middle (the wake-up is used up by then). */
    private void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                consumer.commitSync(offsets, Duration.ofSeconds(10));
                return;
            } catch (WakeupException e) {
                // close(): try again
            } catch (RuntimeException e) {
                // A rebalance took the partitions: their new owner reads these records again, as mayRepeat.
                log.atWarn().addKeyValue("topics", config.topics()).addKeyValue("error", e.getMessage())
                        .log("kafka offset commit failed; the records will be read again");
                return;
            }
        }
    }

    private void rewind(TopicPartition tp, long[] range) {
        uncertainBelow.merge(tp, range[1] + 1, Math::max);
        try {
            consumer.seek(tp, range[0]);
        } catch (IllegalStateException e) {
            // no longer assigned: the new owner starts from the committed offset
        }
    }

    private Row row(ConsumerRecord<byte[], byte[]> r) throws BadRequestException {
        UUID eid = UUID.nameUUIDFromBytes(("kafka:" + r.topic() + ":" + r.partition() + ":" + r.offset())
                .getBytes(StandardCharsets.UTF_8));
        long at = r.timestamp() >= 0 ? r.timestamp() : System.currentTimeMillis(); // -1: a pre-0.10 record, no time
        return messages.row(config.kind(), r.topic(), r.value(), at, eid);
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(20));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
