package io.tracker.backends.cassandra;

import java.util.List;

/**
 * {@code sessions[].settings} of a Cassandra session (DataStax java-driver-core).
 *
 * @param contactPoints        {@code host:port} of one or more nodes
 * @param localDatacenter      the driver's local datacenter ({@code datacenter1} on a default node)
 * @param keyspace             keyspace of the tracker's tables (letters, digits, underscore)
 * @param replicationStrategy  {@code SimpleStrategy} or {@code NetworkTopologyStrategy} (then the factor applies to
 *                             {@code localDatacenter})
 * @param replicationFactor    copies of each row
 * @param user                 user name (empty: no authentication)
 * @param password             password; give it through the environment, it is never logged
 * @param requestTimeoutMillis timeout of one write or read
 * @param schemaTimeoutMillis  timeout of a schema statement (they take over a second each on a small node)
 * @param maxInFlight          concurrent requests one batch may have in flight
 * @param autoCreateSchema     create the keyspace and apply {@code schema/cassandra} at start (idempotent)
 */
public record CassandraSettings(
        List<String> contactPoints,
        String localDatacenter,
        String keyspace,
        String replicationStrategy,
        int replicationFactor,
        String user,
        String password,
        int requestTimeoutMillis,
        int schemaTimeoutMillis,
        int maxInFlight,
        boolean autoCreateSchema) {

    public CassandraSettings {
        contactPoints = contactPoints == null ? List.of() : List.copyOf(contactPoints);
    }

    public static CassandraSettings standard() {
        return new CassandraSettings(List.of("127.0.0.1:9042"), "datacenter1", "tracker", "SimpleStrategy", 1, "", "",
                10_000, 60_000, 128, true);
    }

    @Override
    public String toString() {
        return "CassandraSettings[contactPoints=" + contactPoints + ", keyspace=" + keyspace + ", user=" + user
                + ", password=***]";
    }
}
