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

    @Override
    protected List<String[]> rollupsAndTruth() throws Exception {
        List<String[]> out = new ArrayList<>();
        String zero = "'00000000-0000-0000-0000-000000000000'::UUID";
        for (io.tracker.core.model.Rollups.Rollup r : io.tracker.core.model.Rollups.ALL) {
            String key = r.keyColumns();
            String bucket = switch (r.grain()) {
                case HOUR -> "date_trunc('hour', created_at)";
                case DAY -> "CAST(created_at AS DATE)";
                case MONTH -> "CAST(date_trunc('month', created_at) AS DATE)";
            };
            StringBuilder dims = new StringBuilder();
            for (String d : r.dimensions()) {
                dims.append(", coalesce(").append(d).append(d.equals("oid") ? ", " + zero : ", ''").append(") AS ").append(d);
            }
            out.add(new String[] {
                    text("SELECT " + key + ", events, visitors FROM " + r.table() + " ORDER BY ALL"),
                    text("SELECT " + bucket + " AS " + r.bucketColumn() + dims + ", coalesce(is_bot, false) AS is_bot, "
                            + "count(*) AS events, count(DISTINCT vid) AS visitors FROM events GROUP BY ALL ORDER BY ALL")});
        }
        return out;
    }

    @Override
    protected void damageRollups() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("tracker.duckdb"));
             Statement s = c.createStatement()) {
            s.execute("DELETE FROM daily_kpis WHERE country = 'DE'");
            s.execute("UPDATE monthly_kpis SET events = events + 1");
            s.execute("DELETE FROM hourly_event_stats_members");
        }
    }

    private String text(String sql) throws Exception {
        StringBuilder b = new StringBuilder();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("tracker.duckdb"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                for (int i = 1; i <= n; i++) {
                    b.append(rs.getString(i)).append(i == n ? "\n" : "\t");
                }
            }
        }
        return b.toString();
    }
}
