package io.tracker.backends.cassandra;

import io.tracker.core.model.Tables;
import io.tracker.core.query.Analytics;
import io.tracker.core.query.EventQuery;
import io.tracker.core.query.QueryPlanner;
import io.tracker.core.session.SessionException;
import io.tracker.core.session.SessionReader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What Cassandra's keys answer: one subject's events, through the {@code uid} / {@code vid} SAI index (the tenant, time
 * and name are checked here, and the page is cut here, newest first, on the same keyset cursor as the SQL stores).
 * A subject with more than {@link #MAX_SUBJECT_ROWS} events, aggregates and scans across subjects are refused with
 * {@link Analytics.Unsupported} (a 400 saying to use DuckDB or ClickHouse), never answered slowly or wrongly.
 */
final class CassandraAnalytics implements Analytics {
    static final int MAX_SUBJECT_ROWS = 100_000;

    private final SessionReader reader;

    CassandraAnalytics(SessionReader reader) {
        this.reader = reader;
    }

    @Override
    public List<Group> aggregate(EventQuery q) throws SessionException {
        throw new Unsupported("the API session is Cassandra, which answers events by user only: aggregates, stats and "
                + "campaign statistics need DuckDB or ClickHouse (storage.apiSession)");
    }

    @Override
    public Page scan(long fromMillis, long toMillis, List<String> enames, QueryPlanner.Cursor after, int limit)
            throws SessionException {
        throw new Unsupported("Cassandra cannot scan events across users: replay and export read DuckDB or ClickHouse");
    }

    @Override
    public Page userEvents(UUID oid, String byColumn, UUID subject, long fromMillis, long toMillis, List<String> enames,
                           QueryPlanner.Cursor after, int limit) throws SessionException {
        if (subject == null) {
            throw new Unsupported("the API session is Cassandra, which answers one user's events only: name the user");
        }
        Map<String, Object> where = new LinkedHashMap<>();
        where.put(Tables.EVENTS.requireColumn(byColumn), subject);
        where.put("oid", oid);
        List<Map<String, Object>> rows = reader.find(Tables.EVENTS, where, null, MAX_SUBJECT_ROWS + 1);
        if (rows.size() > MAX_SUBJECT_ROWS) {
            throw new Unsupported("this user has over " + MAX_SUBJECT_ROWS + " events, more than Cassandra pages in "
                    + "memory: read them from DuckDB or ClickHouse");
        }
        List<Map<String, Object>> matching = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            long at = r.get("created_at") instanceof Long l ? l : Long.MIN_VALUE;
            if (at < fromMillis || at >= toMillis || (!enames.isEmpty() && !enames.contains(r.get("ename")))) {
                continue;
            }
            if (after != null && (at > after.createdAt()
                    || (at == after.createdAt() && r.get("eid").toString().compareTo(after.eid().toString()) >= 0))) {
                continue;
            }
            matching.add(r);
        }
        matching.sort(Comparator.comparing((Map<String, Object> r) -> (Long) r.get("created_at"))
                .thenComparing(r -> r.get("eid").toString()).reversed());
        List<Map<String, Object>> page = new ArrayList<>(matching.subList(0, Math.min(limit, matching.size())));
        QueryPlanner.Cursor next = null;
        if (matching.size() > limit) {
            Map<String, Object> last = page.get(page.size() - 1);
            next = new QueryPlanner.Cursor((Long) last.get("created_at"), (UUID) last.get("eid"));
        }
        return new Page(page, next);
    }
}
