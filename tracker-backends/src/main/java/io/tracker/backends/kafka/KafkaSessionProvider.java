package io.tracker.backends.kafka;

import io.tracker.core.config.SessionConfig;
import io.tracker.core.config.Validation;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionProvider;
import io.tracker.core.session.SessionSettings;
import java.nio.file.Path;

/** {@code "type": "kafka"}. */
public final class KafkaSessionProvider implements SessionProvider {
    @Override
    public String type() {
        return "kafka";
    }

    @Override
    public Session create(SessionConfig config, String keyPrefix, Path dataDir) {
        String p = keyPrefix + ".settings";
        KafkaSettings s = SessionSettings.bind(config, keyPrefix, KafkaSettings.standard(), KafkaSettings.class);
        Validation v = new Validation();
        validate(p, s, v);
        v.throwIfInvalid();
        return new KafkaSession(config.name(), s);
    }

    static void validate(String p, KafkaSettings s, Validation v) {
        io.tracker.core.config.ConsumerConfig.validateKafkaClient(p, s.bootstrapServers(), s.securityProtocol(),
                s.saslMechanism(), s.user(), s.password(), v);
        // Kafka topic names: [a-zA-Z0-9._-], at most 249 characters (the longest table name is 16).
        if (v.notNull(p + ".topicPrefix", s.topicPrefix()) && !s.topicPrefix().matches("[A-Za-z0-9._\\-]{0,200}")) {
            v.fail(p + ".topicPrefix", "letters, digits, '.', '_' and '-' only, at most 200");
        }
        v.range(p + ".partitions", s.partitions(), 1, 10_000);
        v.range(p + ".replicationFactor", s.replicationFactor(), 1, 32);
        v.range(p + ".minInsyncReplicas", s.minInsyncReplicas(), 1, 32);
        v.oneOf(p + ".compression", s.compression(), "lz4", "zstd", "snappy", "gzip", "none");
        v.range(p + ".requestTimeoutMillis", s.requestTimeoutMillis(), 100, 600_000);
        v.range(p + ".lingerMillis", s.lingerMillis(), 0, 10_000);
        v.range(p + ".deliveryTimeoutMillis", s.deliveryTimeoutMillis(), 1_000, 3_600_000);
        if ((long) s.deliveryTimeoutMillis() < (long) s.requestTimeoutMillis() + s.lingerMillis()) {
            v.fail(p + ".deliveryTimeoutMillis", "must be at least requestTimeoutMillis + lingerMillis ("
                    + ((long) s.requestTimeoutMillis() + s.lingerMillis()) + ")");
        }
        v.range(p + ".batchBytes", s.batchBytes(), 1_024, 64 << 20);
        v.range(p + ".dedupEntries", s.dedupEntries(), 0, 10_000_000);
        v.range(p + ".dedupReadSeconds", s.dedupReadSeconds(), 1, 3_600);
    }
}
