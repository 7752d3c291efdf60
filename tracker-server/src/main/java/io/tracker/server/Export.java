package io.tracker.server;

import io.tracker.core.config.TrackerConfig;
import io.tracker.core.model.Table;
import io.tracker.core.model.Tables;
import io.tracker.core.query.Analytics;
import io.tracker.core.query.QueryPlanner;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionException;
import io.tracker.core.session.SessionRegistry;
import io.tracker.server.http.api.EventCsv;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code tracker export}: a table's rows of a time range to a Parquet or CSV file. DuckDB writes the file itself
 * ({@code COPY}); another readable session's events are streamed page by page to CSV.
 */
final class Export {
    private Export() {
    }

    /** The rows written. */
    static long run(TrackerConfig config, String sessionName, String tableName, Instant from, Instant to, String format,
                    Path out) throws Exception {
        Table table = Tables.byName(tableName).orElseThrow(() ->
                new IllegalArgumentException("--table: no table " + tableName));
        List<Session> sessions = SessionRegistry.fromClassPath().create(config);
        String name = sessionName != null ? sessionName
                : config.storage().apiSession() != null && !config.storage().apiSession().isEmpty()
                ? config.storage().apiSession() : sessions.get(0).name();
        Session session = Replay.named(sessions, name);
        session.open(Tables.ALL);
        try {
            if (session.copiesOut()) {
                return session.copyOut(table, from, to, format, out);
            }
            if (table != Tables.EVENTS || !format.equals("csv")) {
                throw new SessionException("session " + name + " exports events as CSV only (parquet: from DuckDB)");
            }
            Analytics analytics = session.analytics().orElseThrow(() ->
                    new SessionException("session " + name + " cannot be read for an export"));
            long n = 0;
            try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
                w.write(EventCsv.header());
                QueryPlanner.Cursor after = null;
                do {
                    Analytics.Page page = analytics.scan(from.toEpochMilli(), to.toEpochMilli(), List.of(), after, 10_000);
                    StringBuilder sb = new StringBuilder();
                    for (Map<String, Object> r : page.rows()) {
                        EventCsv.line(r, sb);
                        n++;
                    }
                    w.write(sb.toString());
                    after = page.next();
                } while (after != null);
            }
            return n;
        } finally {
            session.close();
        }
    }
}
