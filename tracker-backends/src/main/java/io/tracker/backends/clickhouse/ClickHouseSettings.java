package io.tracker.backends.clickhouse;

/**
 * {@code sessions[].settings} of a ClickHouse session (HTTP interface).
 *
 * @param url                  HTTP endpoint, e.g. {@code http://127.0.0.1:8123}
 * @param database             database of the tracker's tables (letters, digits, underscore)
 * @param user                 user name
 * @param password             password; set it through the environment (TRACKER_SESSIONS_&lt;i&gt;_SETTINGS_PASSWORD),
 *                             it is never logged nor put in a URL
 * @param compressRequests     LZ4-compress inserts (ClickHouse's native framing; supported by 18.16 and current)
 * @param connectTimeoutMillis TCP connect timeout
 * @param socketTimeoutMillis  read timeout of a request
 * @param maxConnections       HTTP connections kept in the pool
 * @param autoCreateSchema     create the database and apply {@code schema/clickhouse} at start (idempotent)
 * @param urls                 replicas to fail over across, the first preferred (empty: {@code url} alone); a write
 *                             or read that finds one unreachable moves on to the next
 * @param cluster              the ClickHouse cluster of the {@code schema/clickhouse/cluster} layout (empty: a single
 *                             server): writes go to the replica's {@code <table>_local} (ReplicatedMergeTree, so a
 *                             block retried on another replica is deduplicated), reads to the Distributed
 *                             {@code <table>}, deletes to the replica's {@code _local} table (ReplicatedMergeTree carries the
 *                             mutation to the others; partitions a quorum insert left last get a fence row, see
 *                             ClickHouseReader)
 * @param insertQuorum         replicas that must hold an insert before it is acknowledged ({@code insert_quorum}; 0 off)
 */
public record ClickHouseSettings(
        String url,
        String database,
        String user,
        String password,
        boolean compressRequests,
        int connectTimeoutMillis,
        int socketTimeoutMillis,
        int maxConnections,
        boolean autoCreateSchema,
        java.util.List<String> urls,
        String cluster,
        int insertQuorum) {

    public ClickHouseSettings {
        urls = urls == null ? java.util.List.of() : java.util.List.copyOf(urls);
        cluster = cluster == null ? "" : cluster;
    }

    public static ClickHouseSettings standard() {
        return new ClickHouseSettings("http://127.0.0.1:8123", "tracker", "default", "", true, 5_000, 30_000, 8, true,
                java.util.List.of(), "", 0);
    }

    /** The endpoints in preference order. */
    public java.util.List<String> endpoints() {
        return urls.isEmpty() ? java.util.List.of(url) : urls;
    }

    /** The same settings against one endpoint. */
    public ClickHouseSettings at(String endpoint) {
        return new ClickHouseSettings(endpoint, database, user, password, compressRequests, connectTimeoutMillis,
                socketTimeoutMillis, maxConnections, autoCreateSchema, urls, cluster, insertQuorum);
    }

    /** Where {@code table}'s rows are written and deleted: its replica's {@code _local} table in the cluster layout. */
    public String localTable(String table) {
        return clustered() ? table + "_local" : table;
    }

    /** Whether this is the replicated cluster layout. */
    public boolean clustered() {
        return !cluster.isEmpty();
    }

    @Override
    public String toString() {
        return "ClickHouseSettings[url=" + url + ", urls=" + urls + ", cluster=" + cluster + ", database=" + database + ", user=" + user + ", password=***]";
    }
}
