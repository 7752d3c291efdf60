package io.tracker.server.business;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.backends.clickhouse.ClickHouseSession;
import io.tracker.backends.clickhouse.ClickHouseSessionProvider;
import io.tracker.core.config.SessionConfig;
import io.tracker.server.Tracker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The read APIs with ClickHouse (the server of {@code scripts/clickhouse.sh}) as the API session; a database each. */
class ClickHouseQueryApiTest extends QueryApiContract {
    private static final String URL = System.getenv().getOrDefault("TRACKER_TEST_CLICKHOUSE_URL", "http://127.0.0.1:8123");

    @TempDir
    Path dataDir;
    private String database;
    private ClickHouseSession direct;

    @BeforeEach
    void database() {
        database = "qapi_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
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
            tweak.accept(c);
        }, clock);
    }

    /** Its rollups' visitors are uniq estimates: the stats series (events and visitors) is read from events. */
    @Override
    protected boolean rollupsAnswerHourlyStats() {
        return false;
    }

    @Override
    protected List<List<String>> direct(String sql) throws Exception {
        String text = sql.replace("{events}", database + ".events").replace("{keys}", database + ".api_keys")
                .replace("{A}", "toUUID('" + A + "')").replace("{B}", "toUUID('" + B + "')")
                .replace("{human}", "is_bot = 0").replace("{eid}", "toString(eid)").replace("{uid}", "toString(uid)")
                .replace("{plan}", "visitParamExtractString(params, 'plan')")
                .replace("{revenue}", "visitParamExtractFloat(params, 'revenue')");
        direct.open(List.of());
        List<List<String>> out = new ArrayList<>();
        for (String line : direct.query(text + " FORMAT TabSeparated").split("\n")) {
            if (!line.isEmpty()) {
                out.add(List.of(line.split("\t", -1)));
            }
        }
        return out;
    }
}
