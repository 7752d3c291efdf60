package io.tracker.core.config;

import java.util.List;

/**
 * A NATS subscription whose messages become rows (spec §17 consumer side): {@code count} → {@code counts},
 * {@code update} → {@code updates}, {@code log} → {@code logs}, written through the batch manager to every session.
 *
 * @param servers {@code nats://host:port} URLs
 * @param subject subject (wildcards allowed) to subscribe to
 * @param kind    {@code count}, {@code update} or {@code log}
 * @param queue   queue group, so several tracker nodes share the messages instead of each taking all of them
 * @param durable empty: core NATS (at-most-once, like the Go tracker). A name: a JetStream durable consumer of that
 *                name on the stream holding {@code subject}; a message is acknowledged only once its row is as safe
 *                as the table's durability says, so nothing is lost while the tracker is down or refusing
 */
public record ConsumerConfig(List<String> servers, String subject, String kind, String queue, String durable) {

    public ConsumerConfig {
        servers = servers == null ? List.of() : List.copyOf(servers);
        queue = queue == null || queue.isBlank() ? "tracker" : queue;
        durable = durable == null ? "" : durable;
    }

    void validate(String key, Validation v) {
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
    }
}
