package io.tracker.server.business;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.backends.clickhouse.ClickHouseSession;
import io.tracker.backends.clickhouse.ClickHouseSessionProvider;
import io.tracker.core.config.SessionConfig;
import io.tracker.server.Tracker;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The business endpoints with ClickHouse (the server of {@code scripts/clickhouse.sh}) as the only session and so
 * the API backend; each test in its own database.
 */
class ClickHouseBusinessTest extends BusinessContract {
    private static final String URL = System.getenv().getOrDefault("TRACKER_TEST_CLICKHOUSE_URL", "http://127.0.0.1:8123");

    @TempDir
    Path dataDir;
    private String database;
    private ClickHouseSession direct;

    @BeforeEach
    void database() {
        database = "biz_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        ObjectNode settings = JsonNodeFactory.instance.objectNode().put("url", URL).put("database", database)
                .put("autoCreateSchema", false);
        direct = (ClickHouseSession) new ClickHouseSessionProvider()
                .create(new SessionConfig("clickhouse", "direct", settings), "direct", dataDir);
    }

    @AfterEach
    void drop() throws Exception {
        stop();
        try {
            direct.open(List.of());
            direct.query("DROP DATABASE IF EXISTS " + database);
        } finally {
            direct.close();
        }
    }

    @Override
    protected Tracker start(Consumer<ObjectNode> tweak) throws Exception {
        return io.tracker.server.TestAccess.start(dataDir, c -> {
            ObjectNode session = (ObjectNode) c.get("sessions").get(0);
            session.put("type", "clickhouse").put("name", "clickhouse");
            session.set("settings", JsonNodeFactory.instance.objectNode().put("url", URL).put("database", database)
                    .put("connectTimeoutMillis", 1000).put("socketTimeoutMillis", 10000));
            adminAndProxy(c);
            tweak.accept(c);
        });
    }

    @Override
    protected long countRows(String table, String column, Object id) throws Exception {
        direct.open(List.of());
        // Values produced by the test itself: a UUID literal or a quoted constant, not outside input.
        String literal = id instanceof UUID ? "toUUID('" + id + "')" : "'" + id.toString().replace("'", "\\'") + "'";
        return Long.parseLong(direct.query("SELECT count() FROM " + database + "." + table + " WHERE " + column
                + " = " + literal).trim());
    }
}
