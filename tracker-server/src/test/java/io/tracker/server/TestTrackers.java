package io.tracker.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.core.config.ConfigLoader;
import io.tracker.core.config.TrackerConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Starts real trackers on an ephemeral port with a temporary data directory, and reads what they stored. */
final class TestTrackers {
    private TestTrackers() {
    }

    /** The shipped defaults with port 0 and {@code dataDir}, then {@code tweak} applied to the JSON tree. */
    static TrackerConfig config(Path dataDir, Consumer<ObjectNode> tweak) {
        ConfigLoader loader = new ConfigLoader(k -> null);
        ObjectNode tree = loader.mapper().valueToTree(TrackerConfig.standard());
        ((ObjectNode) tree.get("server")).put("port", 0).put("host", "127.0.0.1");
        ((ObjectNode) tree.get("storage")).put("dataDir", dataDir.toString());
        tweak.accept(tree);
        return loader.bind(tree);
    }

    static Tracker start(Path dataDir, Consumer<ObjectNode> tweak) throws Exception {
        return Tracker.start(config(dataDir, tweak));
    }

    static Path duckdbFile(Path dataDir) {
        return dataDir.resolve("tracker.duckdb");
    }

    static List<Map<String, Object>> query(Path dataDir, String sql) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + duckdbFile(dataDir));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Map<String, Object> row = new java.util.LinkedHashMap<>();
                for (int i = 1; i <= n; i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                }
                out.add(row);
            }
        }
        return out;
    }

    static long count(Path dataDir, String sql) throws Exception {
        return ((Number) query(dataDir, sql).get(0).values().iterator().next()).longValue();
    }
}
