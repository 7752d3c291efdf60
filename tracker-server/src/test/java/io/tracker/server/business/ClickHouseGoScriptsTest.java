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
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Go tracker's test scripts against ClickHouse (the server of {@code scripts/clickhouse.sh}) as the only session,
 * each test in its own database, read back over HTTP as the scripts' {@code clickhouse client} queries did.
 */
class ClickHouseGoScriptsTest extends GoScriptsContract {
    private static final String URL = System.getenv().getOrDefault("TRACKER_TEST_CLICKHOUSE_URL", "http://127.0.0.1:8123");
    /**
     * The tables whose engine collapses rows by key (Replacing / Summing MergeTree), where the scripts' FINAL applies.
     * events, ltv, redirects, redirect_history, agreements and agreed are plain MergeTree, where every ClickHouse
     * version refuses FINAL (ILLEGAL_FINAL) — the Go scripts' FINAL on its own plain tables failed the same way.
     */
    private static final Set<String> COLLAPSING = Set.of("mthreads", "mstore", "mtriage", "impression_daily", "payments",
            "api_keys", "hosts", "usernames", "emails", "cells", "userhosts", "counters");

    @TempDir
    Path dataDir;
    private String database;
    private ClickHouseSession direct;

    @BeforeEach
    void database() {
        database = "go_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
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
        });
    }

    @Override
    protected String table(String name) {
        return database + "." + name;
    }

    @Override
    protected String fin(String name) {
        return COLLAPSING.contains(name) ? " FINAL" : "";
    }

    @Override
    protected String yes(String column) {
        return column + " = 1";
    }

    @Override
    protected String no(String column) {
        return column + " = 0";
    }

    @Override
    protected String len(String column) {
        return "length(" + column + ")";
    }

    @Override
    protected String str(String column) {
        return column;
    }

    @Override
    protected String ts(String utc) {
        return "toDateTime('" + utc + "', 'UTC')";
    }

    @Override
    protected String text(String expr) {
        return "toString(" + expr + ")";
    }

    @Override
    protected List<List<String>> select(String sql) throws Exception {
        direct.open(List.of());
        String tsv = direct.query(sql + " FORMAT TabSeparated");
        List<List<String>> rows = new ArrayList<>();
        for (String line : tsv.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            List<String> row = new ArrayList<>();
            for (String cell : line.split("\t", -1)) {
                row.add(unescape(cell));
            }
            rows.add(row);
        }
        return rows;
    }

    private static String unescape(String cell) {
        if (cell.indexOf('\\') < 0) {
            return cell;
        }
        StringBuilder out = new StringBuilder(cell.length());
        for (int i = 0; i < cell.length(); i++) {
            char ch = cell.charAt(i);
            if (ch == '\\' && i + 1 < cell.length()) {
                char next = cell.charAt(++i);
                out.append(switch (next) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    case '0' -> '\0';
                    default -> next;
                });
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }
}
