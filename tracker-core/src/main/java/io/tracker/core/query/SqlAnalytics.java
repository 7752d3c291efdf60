package io.tracker.core.query;

import io.tracker.core.model.Column;
import io.tracker.core.model.Tables;
import io.tracker.core.query.EventQuery.Metric;
import io.tracker.core.session.SessionException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@link Analytics} for a SQL store: the {@link QueryPlanner} writes the statement in the store's dialect, the store
 * runs it ({@link Executor}), and the rows are assembled here, the same way for every SQL backend.
 */
public final class SqlAnalytics implements Analytics {
    /** Runs a statement; returns its rows, each value of the declared type's Java class or null. */
    @FunctionalInterface
    public interface Executor {
        /** {@code timeoutMillis}: the store abandons the statement after that long (0: the store's own limit). */
        List<Object[]> run(QueryPlanner.Sql sql, long timeoutMillis) throws SessionException;
    }

    private final QueryPlanner planner;
    private final Executor executor;
    private final boolean rollups;
    private final boolean exactVisitors;
    private final long timeoutMillis;
    private volatile CampaignReader campaigns;

    /** Reads a store's campaign rollup ({@link Analytics#campaignDays}). */
    @FunctionalInterface
    public interface CampaignReader {
        List<CampaignDay> read(UUID oid, String campaign, java.time.LocalDate from, java.time.LocalDate to)
                throws SessionException;
    }

    /** The store keeps a campaign rollup, read by {@code reader}. */
    public SqlAnalytics withCampaigns(CampaignReader reader) {
        this.campaigns = reader;
        return this;
    }

    @Override
    public List<CampaignDay> campaignDays(UUID oid, String campaign, java.time.LocalDate from, java.time.LocalDate to)
            throws SessionException {
        CampaignReader r = campaigns;
        return r == null ? null : r.read(oid, campaign, from, to);
    }

    public SqlAnalytics(SqlDialect dialect, Executor executor) {
        this(dialect, executor, false, false);
    }

    /**
     * {@code rollups}: the store keeps {@code hourly_event_stats} in step with events (answers from it when it can);
     * {@code exactVisitors}: its visitors are exact counts, not estimates.
     */
    public SqlAnalytics(SqlDialect dialect, Executor executor, boolean rollups, boolean exactVisitors) {
        this(new QueryPlanner(dialect), executor, rollups, exactVisitors, 0);
    }

    private SqlAnalytics(QueryPlanner planner, Executor executor, boolean rollups, boolean exactVisitors,
                         long timeoutMillis) {
        this.planner = planner;
        this.executor = executor;
        this.rollups = rollups;
        this.exactVisitors = exactVisitors;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public Analytics bounded(java.time.Duration timeout) {
        return new SqlAnalytics(planner, executor, rollups, exactVisitors, timeout.toMillis()).withCampaigns(campaigns);
    }

    @Override
    public boolean fromRollups(EventQuery q) {
        return rollups && planner.hourlyRollup(q, exactVisitors) != null;
    }

    @Override
    public List<Group> aggregate(EventQuery q) throws SessionException {
        QueryPlanner.Sql fast = rollups ? planner.hourlyRollup(q, exactVisitors) : null;
        QueryPlanner.Sql sql = fast != null ? fast : planner.aggregate(q);
        List<Group> out = new ArrayList<>();
        int dims = q.dimensions().size();
        for (Object[] row : executor.run(sql, timeoutMillis)) {
            List<Object> d = new ArrayList<>(dims);
            for (int i = 0; i < dims; i++) {
                d.add(row[i]);
            }
            List<Object> m = new ArrayList<>(q.metrics().size());
            int at = dims;
            for (Metric metric : q.metrics()) {
                if (metric == Metric.BOUNCE_RATE) {
                    long bounced = row[at] == null ? 0 : (Long) row[at];
                    long sessions = row[at + 1] == null ? 0 : (Long) row[at + 1];
                    m.add(sessions == 0 ? 0L : Math.round(100.0 * bounced / sessions));
                    at += 2;
                } else if (metric == Metric.REVENUE) {
                    double v = row[at] == null ? 0 : ((Number) row[at]).doubleValue();
                    m.add(Math.round(v * 100) / 100.0);
                    at++;
                } else {
                    m.add(row[at] == null ? 0L : row[at]);
                    at++;
                }
            }
            out.add(new Group(d, m));
        }
        return out;
    }

    @Override
    public Page userEvents(UUID oid, String byColumn, UUID subject, long fromMillis, long toMillis, List<String> enames,
                           QueryPlanner.Cursor after, int limit) throws SessionException {
        return page(planner.userEvents(oid, byColumn, subject, fromMillis, toMillis, enames, after, limit), limit);
    }

    @Override
    public Page scan(long fromMillis, long toMillis, List<String> enames, QueryPlanner.Cursor after, int limit)
            throws SessionException {
        return page(planner.scan(fromMillis, toMillis, enames, after, limit), limit);
    }

    private Page page(QueryPlanner.Sql sql, int limit) throws SessionException {
        List<Object[]> rows = executor.run(sql, timeoutMillis);
        List<Column> columns = Tables.EVENTS.columns();
        List<Map<String, Object>> out = new ArrayList<>(Math.min(rows.size(), limit));
        for (int r = 0; r < rows.size() && r < limit; r++) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                if (rows.get(r)[i] != null) {
                    row.put(columns.get(i).name(), rows.get(r)[i]);
                }
            }
            out.add(row);
        }
        QueryPlanner.Cursor next = null;
        if (rows.size() > limit && !out.isEmpty()) {
            Map<String, Object> last = out.get(out.size() - 1);
            next = new QueryPlanner.Cursor((Long) last.get("created_at"), (UUID) last.get("eid"));
        }
        return new Page(out, next);
    }
}
