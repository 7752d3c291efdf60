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
        boolean autoCreateSchema) {

    public static ClickHouseSettings standard() {
        return new ClickHouseSettings("http://127.0.0.1:8123", "tracker", "default", "", true, 5_000, 30_000, 8, true);
    }

    @Override
    public String toString() {
        return "ClickHouseSettings[url=" + url + ", database=" + database + ", user=" + user + ", password=***]";
    }
}
