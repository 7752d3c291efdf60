package io.tracker.server;

import io.tracker.core.model.Table;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionException;
import io.tracker.core.session.SessionReader;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A session's reader, looked up per call: sessions open on their writer threads after HTTP is assembled, and a
 * session that cannot read (or is not open yet) answers with a {@link SessionException} (→ 503), not a crash.
 */
public final class ApiReader implements SessionReader {
    private final Session session;

    ApiReader(Session session) {
        this.session = session;
    }

    /** {@code storage.apiSession} by name, else the first session. */
    static ApiReader choose(List<Session> sessions, String name) {
        if (name != null && !name.isEmpty()) {
            return sessions.stream().filter(s -> s.name().equals(name)).findFirst().map(ApiReader::new)
                    .orElseThrow(() -> new io.tracker.core.config.ConfigException(
                            "storage.apiSession: no session named '" + name + "'"));
        }
        return new ApiReader(sessions.get(0));
    }

    public Session session() {
        return session;
    }

    /**
     * The query APIs of the session: a 400 ({@link io.tracker.core.query.Analytics.Unsupported}) when its kind cannot
     * answer them, a 503 while it is not open yet.
     */
    public io.tracker.core.query.Analytics analytics() throws SessionException {
        var a = session.analytics();
        if (a.isPresent()) {
            return a.get();
        }
        if (session.reader().isPresent()) {
            throw new io.tracker.core.query.Analytics.Unsupported("the API session '" + session.name()
                    + "' cannot answer the query APIs (DuckDB and ClickHouse can; see storage.apiSession)");
        }
        throw new SessionException("session " + session.name() + " cannot serve reads (or is not open yet)");
    }

    private SessionReader reader() throws SessionException {
        return session.reader().orElseThrow(() -> new SessionException("session " + session.name()
                + " cannot serve reads (or is not open yet)"));
    }

    @Override
    public List<Map<String, Object>> find(Table table, Map<String, Object> where, String newestFirst, int limit)
            throws SessionException {
        return reader().find(table, where, newestFirst, limit);
    }

    @Override
    public BigDecimal sum(Table table, String column, Map<String, Object> where) throws SessionException {
        return reader().sum(table, column, where);
    }

    @Override
    public long delete(Table table, Map<String, Object> where) throws SessionException {
        return reader().delete(table, where);
    }

    @Override
    public long[] deleteAll(List<Deletion> deletions) throws SessionException {
        return reader().deleteAll(deletions);
    }

    @Override
    public long deleteBefore(Table table, String timeColumn, Instant cutoff) throws SessionException {
        return reader().deleteBefore(table, timeColumn, cutoff);
    }
}
