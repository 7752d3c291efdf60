package io.tracker.backends.duckdb;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.tracker.backends.SessionContract;
import io.tracker.core.config.SessionConfig;
import io.tracker.core.session.Session;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import io.tracker.core.model.Row;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;

class DuckDbSessionContractTest extends SessionContract {
    @TempDir
    Path dir;

    @Override
    protected Session newSession() {
        return new DuckDbSessionProvider().create(
                new SessionConfig("duckdb", "duckdb", JsonNodeFactory.instance.objectNode()), "sessions[0]", dir);
    }

    /** Two line items of 99,999,999,999,999 sum beyond DECIMAL(18,4): the appender refuses the increment. */
    @Override
    protected Row poisonRow(UUID eid) {
        return overflowingLtv(eid, "199999999999999.9998");
    }

    @Override
    protected List<UUID> storedEids() throws Exception {
        List<UUID> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("tracker.duckdb"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT eid FROM events")) {
            while (rs.next()) {
                out.add((UUID) rs.getObject(1));
            }
        }
        return out;
    }
}
