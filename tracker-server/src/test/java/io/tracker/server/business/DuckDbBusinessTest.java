package io.tracker.server.business;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.server.Tracker;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.io.TempDir;

/** The business endpoints on the embedded default, DuckDB. */
class DuckDbBusinessTest extends BusinessContract {
    @TempDir
    Path dataDir;

    @Override
    protected Tracker start(Consumer<ObjectNode> tweak) throws Exception {
        return io.tracker.server.TestAccess.start(dataDir, c -> {
            adminAndProxy(c);
            tweak.accept(c);
        });
    }

    @Override
    protected long countRows(String table, String column, Object id) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dataDir.resolve("tracker.duckdb"));
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + table + " WHERE " + column + " = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
