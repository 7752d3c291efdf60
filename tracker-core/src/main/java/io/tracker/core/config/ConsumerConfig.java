package io.tracker.core.config;

import java.util.List;

/**
 * A subscription whose messages become rows (spec §17 consumer side), written through the batch manager to every
 * session: {@code count} → {@code counts}, {@code update} → {@code updates}, {@code log} → {@code logs}, and (Kafka)
 * {@code event} → {@code events}, a record holding an events row as the stream sessions write it.
 *
 * @param type             {@code nats} (the default) or {@code kafka}
 * @param servers          NATS: {@code nats://host:port} URLs
 * @param subject          NATS: subject (wildcards allowed) to subscribe to
 * @param kind             {@code count}, {@code update}, {@code log} or (Kafka) {@code event}
 * @param queue            NATS: queue group, so several tracker nodes share the messages instead of each taking all
 * @param durable          NATS: empty: core NATS (at-most-once, like the Go tracker). A name: a JetStream durable
 *                         consumer of that name on the stream holding {@code subject}; a message is acknowledged only
 *                         once its row is as safe as the table's durability says, so nothing is lost while the tracker
 *                         is down or refusing
 * @param bootstrapServers Kafka: {@code host:port} of one or more brokers
 * @param topics           Kafka: the topics to read
 * @param groupId          Kafka: the consumer group (tracker nodes of one group share the partitions); offsets are
 *                         committed only once the rows of the records before them are as safe as their tables'
 *                         durability says
 * @param startFrom        Kafka: where a group without committed offsets starts, {@code earliest} or {@code latest}
 * @param maxPollRecords   Kafka: records taken per poll (and enqueued before the offsets are committed)
 * @param sessionTimeoutMillis Kafka: how long the group waits for a silent member (a crashed tracker) before its
 *                         partitions go to the others (the broker allows 6000 to 300000 by default)
 * @param securityProtocol Kafka: {@code PLAINTEXT}, {@code SSL}, {@code SASL_PLAINTEXT} or {@code SASL_SSL}
 * @param saslMechanism    Kafka: {@code PLAIN}, {@code SCRAM-SHA-256} or {@code SCRAM-SHA-512}
 * @param user             Kafka: SASL user name (empty: none)
 * @param password         Kafka: SASL password; give it through the environment, it is never logged
 */
public record ConsumerConfig(String type, List<String> servers, String subject, String kind, String queue, String durable,
                             List<String> bootstrapServers, List<String> topics, String groupId, String startFrom,
                             Integer maxPollRecords, Integer sessionTimeoutMillis, String securityProtocol, String saslMechanism, String user,
                             String password) {

    public ConsumerConfig {
        type = type == null || type.isBlank() ? "nats" : type;
        servers = copy(servers);
        queue = queue == null || queue.isBlank() ? "tracker" : queue;
        durable = durable == null ? "" : durable;
        bootstrapServers = copy(bootstrapServers);
        topics = copy(topics);
        groupId = groupId == null || groupId.isBlank() ? "tracker" : groupId;
        startFrom = startFrom == null || startFrom.isBlank() ? "earliest" : startFrom;
        maxPollRecords = maxPollRecords == null ? 500 : maxPollRecords;
        sessionTimeoutMillis = sessionTimeoutMillis == null ? 45_000 : sessionTimeoutMillis;
        securityProtocol = securityProtocol == null || securityProtocol.isBlank() ? "PLAINTEXT" : securityProtocol;
        saslMechanism = saslMechanism == null || saslMechanism.isBlank() ? "SCRAM-SHA-512" : saslMechanism;
        user = user == null ? "" : user;
        password = password == null ? "" : password;
    }

    /** An unmodifiable copy that keeps null entries, so validation names them instead of a NullPointerException. */
    private static List<String> copy(List<String> l) {
        return l == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(l));
    }

    /** What the consumer reads from, for logs and metric tags: the NATS subject or the Kafka topics. */
    public String source() {
        return type.equals("kafka") ? String.join(",", topics) : subject;
    }

    @Override
    public String toString() {
        return "ConsumerConfig[type=" + type + ", source=" + source() + ", kind=" + kind + ", user=" + user + ", password=***]";
    }

    void validate(String key, Validation v) {
        v.oneOf(key + ".type", type, "nats", "kafka");
        if (!type.equals("nats") && !type.equals("kafka")) {
            return;
        }
        if (type.equals("kafka")) {
            validateKafka(key, v);
            return;
        }
        if (servers.isEmpty()) {
            v.fail(key + ".servers", "at least one nats://host:port is required");
        }
        for (int i = 0; i < servers.size(); i++) {
            String u = servers.get(i);
            if (u == null || !u.matches("(nats|tls)://[A-Za-z0-9.\\-\\[\\]:]+:\\d{1,5}")) {
                v.fail(key + ".servers[" + i + "]", "must be nats://host:port without credentials (got '" + u + "')");
            }
        }
        if (v.notNull(key + ".subject", subject) && !subject.matches("[A-Za-z0-9_\\-*>]+(\\.[A-Za-z0-9_\\-*>]+)*")) {
            v.fail(key + ".subject", "a NATS subject such as metrics.count or logs.>");
        }
        v.oneOf(key + ".kind", kind, "count", "update", "log");
        if (!durable.isEmpty() && !durable.matches("[A-Za-z0-9_\\-]+")) {
            v.fail(key + ".durable", "letters, digits, - and _ only");
        }
        if (!bootstrapServers.isEmpty() || !topics.isEmpty()) {
            v.fail(key, "bootstrapServers and topics are Kafka keys: set \"type\": \"kafka\"");
        }
    }

    /**
     * The connection keys every Kafka client of the tracker has (a consumer here, the kafka session's settings):
     * {@code bootstrapServers} as host:port, {@code securityProtocol}, {@code saslMechanism}, and credentials without
     * control characters, a user only with SASL.
     */
    public static void validateKafkaClient(String key, List<String> bootstrapServers, String securityProtocol,
                                           String saslMechanism, String user, String password, Validation v) {
        if (bootstrapServers.isEmpty()) {
            v.fail(key + ".bootstrapServers", "at least one host:port is required");
        }
        for (int i = 0; i < bootstrapServers.size(); i++) {
            String u = bootstrapServers.get(i);
            if (u == null || !u.matches("[A-Za-z0-9.\\-]+:\\d{1,5}|\\[[0-9A-Fa-f:.]+]:\\d{1,5}")) {
                v.fail(key + ".bootstrapServers[" + i + "]", "must be host:port (got '" + u + "')");
            }
        }
        v.oneOf(key + ".securityProtocol", securityProtocol, "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
        v.oneOf(key + ".saslMechanism", saslMechanism, "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");
        if (v.notNull(key + ".user", user) && v.notNull(key + ".password", password)) {
            if (user.chars().anyMatch(Character::isISOControl) || password.chars().anyMatch(Character::isISOControl)) {
                v.fail(key + ".user", "user and password may not hold control characters");
            }
            if (!user.isEmpty() && securityProtocol != null && !securityProtocol.startsWith("SASL")) {
                v.fail(key + ".user", "a user needs securityProtocol SASL_SSL or SASL_PLAINTEXT");
            }
        }
    }

    private void validateKafka(String key, Validation v) {
        validateKafkaClient(key, bootstrapServers, securityProtocol, saslMechanism, user, password, v);
        if (topics.isEmpty()) {
            v.fail(key + ".topics", "at least one topic is required");
        }
        for (int i = 0; i < topics.size(); i++) {
            String t = topics.get(i);
            if (t == null || !t.matches("[A-Za-z0-9._\\-]{1,249}")) {
                v.fail(key + ".topics[" + i + "]", "a Kafka topic name: letters, digits, '.', '_' and '-' (got '" + t + "')");
            }
        }
        if (!groupId.matches("[A-Za-z0-9._\\-]{1,255}")) {
            v.fail(key + ".groupId", "letters, digits, '.', '_' and '-' only");
        }
        v.oneOf(key + ".kind", kind, "count", "update", "log", "event");
        v.oneOf(key + ".startFrom", startFrom, "earliest", "latest");
        v.range(key + ".maxPollRecords", maxPollRecords, 1, 100_000);
        v.range(key + ".sessionTimeoutMillis", sessionTimeoutMillis, 1_000, 3_600_000);
        if ((subject != null && !subject.isEmpty()) || !servers.isEmpty() || !durable.isEmpty()) {
            v.fail(key, "subject, servers and durable are NATS keys; a kafka consumer has bootstrapServers and topics");
        }
    }
}
