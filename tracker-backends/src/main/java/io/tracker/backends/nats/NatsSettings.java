package io.tracker.backends.nats;

import java.util.List;

/**
 * {@code sessions[].settings} of a NATS JetStream session (jnats).
 *
 * @param servers                {@code nats://host:port} URLs
 * @param subjectPrefix          rows of table {@code t} go to {@code <subjectPrefix>.<t>}
 * @param stream                 the JetStream stream (created when missing, over {@code <subjectPrefix>.>})
 * @param maxAgeHours            stream retention by age; 0 = unlimited
 * @param maxBytes               stream retention by size; -1 = unlimited
 * @param replicas               stream replicas (1 on a single server)
 * @param duplicateWindowSeconds how long the server remembers a {@code Nats-Msg-Id}: a replay within it stores nothing
 *                               twice
 * @param user                   user name (empty: no authentication)
 * @param password               password; give it through the environment, it is never logged
 * @param connectTimeoutMillis   connect timeout
 * @param publishTimeoutMillis   how long a batch may wait for all its acknowledgements
 * @param maxInFlight            publishes awaiting their acknowledgement at once
 */
public record NatsSettings(
        List<String> servers,
        String subjectPrefix,
        String stream,
        int maxAgeHours,
        long maxBytes,
        int replicas,
        int duplicateWindowSeconds,
        String user,
        String password,
        int connectTimeoutMillis,
        int publishTimeoutMillis,
        int maxInFlight) {

    public NatsSettings {
        servers = servers == null ? List.of() : List.copyOf(servers);
    }

    public static NatsSettings standard() {
        return new NatsSettings(List.of("nats://127.0.0.1:4222"), "tracker", "TRACKER", 24 * 7, -1, 1, 600, "", "",
                5_000, 10_000, 4_096);
    }

    @Override
    public String toString() {
        return "NatsSettings[servers=" + servers + ", stream=" + stream + ", subjectPrefix=" + subjectPrefix + ", user="
                + user + ", password=***]";
    }
}
