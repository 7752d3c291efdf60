package io.tracker.server.business;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.server.Tracker;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.io.TempDir;

/** The Go tracker's test scripts against the embedded default, DuckDB (read with its own JDBC driver after the stop). */
class DuckDbGoScriptsTest extends GoScriptsContract {
    @TempDir
    Path dataDir;

    @Override
    protected Tracker start(Consumer<ObjectNode> tweak) throws Exception {
        return io.tracker.server.TestAccess.start(dataDir, tweak);
    }

    @Override
    protected String table(String name) {
        return name;
    }

    /** DuckDB holds one row per event already (a replay skips the ids stored), so there is nothing to collapse. */
    @Override
    protected String fin(String name) {
        return "";
    }

    @Override
    protected String yes(String column) {
        return "coalesce(" + column + ", false)";
    }

    @Override
    protected String no(String column) {
        return "NOT coalesce(" + column + ", false)";
    }

    @Override
    protected String len(String column) {
        return "coalesce(len(" + column + "), 0)";
    }

    @Override
    protected String str(String column) {
        return "coalesce(" + column + ", '')";
    }

    @Override
    protected String ts(String utc) {
        return "TIMESTAMPTZ '" + utc + "+00'";
    }

    @Override
    protected String text(String expr) {
        return "CAST(" + expr + " AS VARCHAR)";
    }

    @Override
    protected List<List<String>> select(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dataDir.resolve("tracker.duckdb"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            List<List<String>> rows = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    row.add(String.valueOf(rs.getObject(i)));
                }
                rows.add(row);
            }
            return rows;
        }
    }
}
