package io.tracker.backends.kafka;

import java.util.List;

/**
 * {@code sessions[].settings} of a Kafka session (Apache Kafka's own {@code kafka-clients}).
 *
 * @param bootstrapServers     {@code host:port} of one or more brokers
 * @param topicPrefix          rows of table {@code t} go to the topic {@code <topicPrefix><t>}
 * @param partitions           partitions of a topic created when missing
 * @param replicationFactor    replicas of a topic created when missing (1 on a single broker)
 * @param minInsyncReplicas    a created topic's {@code min.insync.replicas}, capped at its replication factor: with
 *                             {@code acks=all} a record is acknowledged only once that many replicas hold it
 * @param compression          {@code lz4}, {@code zstd}, {@code snappy}, {@code gzip} or {@code none}
 * @param deliveryTimeoutMillis how long a row may take to be acknowledged, retries included, before its batch fails
 * @param requestTimeoutMillis one request's wait for the broker's answer; also the cap on waiting for metadata
 * @param lingerMillis         how long the producer waits to fill a request
 * @param batchBytes           largest request batch per partition
 * @param dedupEntries         event ids per table this session remembers as acknowledged (also read back from each
 *                             topic's tail at open): a replayed row among them is not sent again. 0 = off
 * @param dedupReadSeconds     how long reading those ids back from the topics may take at open or after an outage
 * @param securityProtocol     {@code PLAINTEXT}, {@code SSL}, {@code SASL_PLAINTEXT} or {@code SASL_SSL}
 * @param saslMechanism        {@code PLAIN}, {@code SCRAM-SHA-256} or {@code SCRAM-SHA-512} (with SASL_*)
 * @param user                 SASL user name (empty: none)
 * @param password             SASL password; give it through the environment, it is never logged
 */
public record KafkaSettings(
        List<String> bootstrapServers,
        String topicPrefix,
        int partitions,
        int replicationFactor,
        int minInsyncReplicas,
        String compression,
        int deliveryTimeoutMillis,
        int requestTimeoutMillis,
        int lingerMillis,
        int batchBytes,
        int dedupEntries,
        int dedupReadSeconds,
        String securityProtocol,
        String saslMechanism,
        String user,
        String password) {

    public KafkaSettings {
        // nulls kept (validation names them)
        bootstrapServers = bootstrapServers == null ? List.of()
                : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(bootstrapServers));
    }

    public static KafkaSettings standard() {
        return new KafkaSettings(List.of("127.0.0.1:9092"), "tracker.", 3, 1, 2, "lz4", 15_000, 5_000, 5, 262_144,
                100_000, 30, "PLAINTEXT", "SCRAM-SHA-512", "", "");
    }

    @Override
    public String toString() {
        return "KafkaSettings[bootstrapServers=" + bootstrapServers + ", topicPrefix=" + topicPrefix + ", user=" + user
                + ", password=***]";
    }
}
