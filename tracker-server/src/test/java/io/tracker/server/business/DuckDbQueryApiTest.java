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

/** The read APIs on the embedded default, DuckDB; direct SQL once the tracker has let go of the file. */
class DuckDbQueryApiTest extends QueryApiContract {
    @TempDir
    Path dataDir;

    @Override
    protected Tracker start(Consumer<ObjectNode> tweak) throws Exception {
        return io.tracker.server.TestAccess.start(dataDir, tweak, clock);
    }

    @Override
    protected List<List<String>> direct(String sql) throws Exception {
        String text = sql.replace("{events}", "events").replace("{keys}", "api_keys")
                .replace("{A}", "'" + A + "'::UUID").replace("{B}", "'" + B + "'::UUID")
                .replace("{human}", "is_bot IS NOT TRUE").replace("{eid}", "CAST(eid AS VARCHAR)")
                .replace("{uid}", "CAST(uid AS VARCHAR)")
                .replace("{plan}", "coalesce(json_extract_string(params, '$.plan'), '')")
                .replace("{revenue}", "coalesce(TRY_CAST(json_extract_string(params, '$.revenue') AS DOUBLE), 0)");
        List<List<String>> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dataDir.resolve("tracker.duckdb"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(text)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    String v = rs.getString(i);
                    row.add(v == null ? "" : v);
                }
                out.add(row);
            }
        }
        return out;
    }
}
