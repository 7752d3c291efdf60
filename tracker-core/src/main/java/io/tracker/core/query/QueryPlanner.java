package io.tracker.core.query;

import io.tracker.core.model.Column;
import io.tracker.core.model.ColumnType;
import io.tracker.core.model.Tables;
import io.tracker.core.query.EventQuery.Dimension;
import io.tracker.core.query.EventQuery.Filter;
import io.tracker.core.query.EventQuery.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Writes the SQL of the read APIs for one {@link SqlDialect}. Column names come from {@link Tables#EVENTS} and the
 * dimension table of {@link QueryParser}; every value of the request is a parameter; the tenant predicate is the first
 * condition of every statement and its value is the caller's, never the request's.
 */
public final class QueryPlanner {
    /** A statement: its text, its parameters by index, the types of its result columns. */
    public record Sql(String text, List<Param> params, List<ColumnType> types) {
    }

    public record Param(ColumnType type, Object value) {
    }

    private final SqlDialect d;

    public QueryPlanner(SqlDialect dialect) {
        this.d = dialect;
    }

    /** Parameters collected while a statement is written. */
    private final class Params {
        final List<Param> list = new ArrayList<>();

        String add(ColumnType type, Object value) {
            list.add(new Param(type, value));
            return d.param(list.size() - 1, type);
        }
    }

    /**
     * The aggregate of {@code q}: one row per group, dimensions first (text, or epoch millis for time), then the
     * metrics; {@code bounce_rate} is two columns (bounced sessions, sessions with a page view), {@code revenue} a double.
     */
    public Sql aggregate(EventQuery q) {
        Params p = new Params();
        List<String> select = new ArrayList<>();
        List<ColumnType> types = new ArrayList<>();
        List<String> dimAliases = new ArrayList<>();
        for (int i = 0; i < q.dimensions().size(); i++) {
            Dimension dim = q.dimensions().get(i);
            select.add(expression(dim, p) + " AS d" + i);
            types.add(dim.kind() == Dimension.Kind.TIME ? ColumnType.INT64 : ColumnType.STRING);
            dimAliases.add("d" + i);
        }
        boolean bounce = q.metrics().contains(Metric.BOUNCE_RATE);
        List<String> metricOrder = new ArrayList<>();
        for (int i = 0; i < q.metrics().size(); i++) {
            Metric m = q.metrics().get(i);
            switch (m) {
                case EVENTS -> {
                    select.add("count(*) AS m" + i);
                    types.add(ColumnType.INT64);
                    metricOrder.add("m" + i);
                }
                case VISITORS -> {
                    select.add(d.countDistinct("vid") + " AS m" + i);
                    types.add(ColumnType.INT64);
                    metricOrder.add("m" + i);
                }
                case VISITS -> {
                    select.add(d.countDistinct("sid") + " AS m" + i);
                    types.add(ColumnType.INT64);
                    metricOrder.add("m" + i);
                }
                case PAGEVIEWS -> {
                    select.add(d.countIf(pageview(q, p)) + " AS m" + i);
                    types.add(ColumnType.INT64);
                    metricOrder.add("m" + i);
                }
                case BOUNCE_RATE -> {
                    select.add(d.countDistinctIf("sid", "b_pv = 1") + " AS m" + i + "b");
                    select.add(d.countDistinctIf("sid", "b_pv >= 1") + " AS m" + i + "s");
                    types.add(ColumnType.INT64);
                    types.add(ColumnType.INT64);
                    metricOrder.add("m" + i + "b * 1.0 / greatest(m" + i + "s, 1)");
                }
                case REVENUE -> {
                    select.add("sum(" + d.numberProperty("revenue") + ") AS m" + i);
                    types.add(ColumnType.FLOAT64);
                    metricOrder.add("m" + i);
                }
            }
        }
        String where = where(q, p, true);
        String from = d.table("events");
        if (bounce) {
            String sessions = "SELECT " + d.sessionKey() + ", " + d.countIf(pageview(q, p)) + " AS b_pv FROM "
                    + d.table("events") + where(q, p, false) + " GROUP BY sid";
            from = d.joinSessions(from, sessions);
        }
        StringBuilder sql = new StringBuilder("SELECT ").append(String.join(", ", select)).append(" FROM ").append(from)
                .append(where);
        if (!dimAliases.isEmpty()) {
            sql.append(" GROUP BY ").append(String.join(", ", dimAliases));
        }
        List<String> order = new ArrayList<>();
        for (EventQuery.Order o : q.orderBy()) {
            int di = indexOf(q.dimensions(), o.name());
            String target = di >= 0 ? dimAliases.get(di) : metricOrder.get(q.metrics().indexOf(Metric.of(o.name())));
            order.add(target + (o.descending() ? " DESC" : " ASC"));
        }
        if (order.isEmpty()) {
            int time = -1;
            for (int i = 0; i < q.dimensions().size(); i++) {
                if (q.dimensions().get(i).kind() == Dimension.Kind.TIME) {
                    time = i;
                }
            }
            if (time >= 0) {
                order.add(dimAliases.get(time) + " ASC");
            } else if (!dimAliases.isEmpty()) {
                order.add(metricOrder.get(0) + " DESC");
            }
        }
        for (String a : dimAliases) { // every group in one place: pages do not overlap
            order.add(a + " ASC");
        }
        if (!order.isEmpty()) {
            sql.append(" ORDER BY ").append(String.join(", ", order));
        }
        sql.append(d.limit(q.limit(), q.offset()));
        return new Sql(sql.toString(), p.list, types);
    }

    /**
     * The aggregate of {@code q} from {@code hourly_event_stats} when that rollup answers it exactly, else null: events
     * and visitors of humans per hour (and event name), on whole hours, filtered by event name only. Visitors only
     * grouped by hour and name (each group one rollup key, is_bot false) and only where the rollup counts them exactly
     * ({@code exactVisitors}: DuckDB; ClickHouse's are uniq estimates).
     */
    public Sql hourlyRollup(EventQuery q, boolean exactVisitors) {
        boolean byName = q.dimensions().stream().anyMatch(x -> x.kind() == Dimension.Kind.COLUMN
                && x.column().equals("ename"));
        if (q.metrics().contains(Metric.VISITORS) && (!byName || !exactVisitors)) {
            return null; // visitors add up over groups only when each group is one rollup key (hour, name)
        }
        if (q.includeBots() || q.metrics().isEmpty() || q.from().toEpochMilli() % 3_600_000 != 0
                || q.to().toEpochMilli() % 3_600_000 != 0) {
            return null;
        }
        for (Metric m : q.metrics()) {
            if (m != Metric.EVENTS && m != Metric.VISITORS) {
                return null;
            }
        }
        boolean hour = false;
        for (Dimension dim : q.dimensions()) {
            if (dim.kind() == Dimension.Kind.TIME && dim.grain() == EventQuery.Grain.HOUR) {
                hour = true;
            } else if (!(dim.kind() == Dimension.Kind.COLUMN && dim.column().equals("ename"))) {
                return null;
            }
        }
        if (!hour || !(q.filter() == null || q.filter() instanceof EventQuery.Condition c && c.op() == EventQuery.Op.IS
                && c.dimension().kind() == Dimension.Kind.COLUMN && c.dimension().column().equals("ename"))) {
            return null;
        }
        Params p = new Params();
        List<String> select = new ArrayList<>();
        List<ColumnType> types = new ArrayList<>();
        List<String> aliases = new ArrayList<>();
        int time = 0;
        for (int i = 0; i < q.dimensions().size(); i++) {
            Dimension dim = q.dimensions().get(i);
            if (dim.kind() == Dimension.Kind.TIME) {
                time = i;
            }
            select.add((dim.kind() == Dimension.Kind.TIME ? d.bucket("hour", EventQuery.Grain.HOUR) : "ename") + " AS d" + i);
            types.add(dim.kind() == Dimension.Kind.TIME ? ColumnType.INT64 : ColumnType.STRING);
            aliases.add("d" + i);
        }
        List<String> metricOrder = new ArrayList<>();
        for (int i = 0; i < q.metrics().size(); i++) {
            select.add("sum(" + (q.metrics().get(i) == Metric.EVENTS ? "events" : "visitors") + ") AS m" + i);
            types.add(ColumnType.INT64);
            metricOrder.add("m" + i);
        }
        StringBuilder sql = new StringBuilder("SELECT ").append(String.join(", ", select)).append(" FROM ")
                .append(d.table("hourly_event_stats")).append(" WHERE oid = ").append(p.add(ColumnType.UUID, q.oid()))
                .append(" AND hour >= ").append(d.timestamp(p.add(ColumnType.INT64, q.from().toEpochMilli())))
                .append(" AND hour < ").append(d.timestamp(p.add(ColumnType.INT64, q.to().toEpochMilli())))
                .append(" AND ").append(d.notBot());
        if (q.filter() != null) {
            sql.append(" AND ").append(filter(q.filter(), p));
        }
        sql.append(" GROUP BY ").append(String.join(", ", aliases));
        List<String> order = new ArrayList<>();
        for (EventQuery.Order o : q.orderBy()) {
            int di = indexOf(q.dimensions(), o.name());
            String target = di >= 0 ? aliases.get(di) : metricOrder.get(q.metrics().indexOf(Metric.of(o.name())));
            order.add(target + (o.descending() ? " DESC" : " ASC"));
        }
        if (order.isEmpty()) {
            order.add(aliases.get(time) + " ASC");
        }
        for (String a : aliases) {
            order.add(a + " ASC");
        }
        sql.append(" ORDER BY ").append(String.join(", ", order)).append(d.limit(q.limit(), q.offset()));
        return new Sql(sql.toString(), p.list, types);
    }

    /** The WHERE clause: tenant first, then time, bots, filters (only where {@code filters}). */
    private String where(EventQuery q, Params p, boolean filters) {
        StringBuilder w = new StringBuilder(" WHERE oid = ").append(p.add(ColumnType.UUID, q.oid()))
                .append(" AND created_at >= ").append(d.timestamp(p.add(ColumnType.INT64, q.from().toEpochMilli())))
                .append(" AND created_at < ").append(d.timestamp(p.add(ColumnType.INT64, q.to().toEpochMilli())));
        if (!q.includeBots()) {
            w.append(" AND ").append(d.notBot());
        }
        if (filters && q.filter() != null) {
            w.append(" AND ").append(filter(q.filter(), p));
        }
        return w.toString();
    }

    private String pageview(EventQuery q, Params p) {
        List<String> any = new ArrayList<>();
        for (String n : q.pageviews()) {
            any.add("ename = " + p.add(ColumnType.STRING, n));
        }
        return "(" + String.join(" OR ", any) + ")";
    }

    private String filter(Filter f, Params p) {
        if (f instanceof EventQuery.And and) {
            return "(" + String.join(" AND ", and.all().stream().map(x -> filter(x, p)).toList()) + ")";
        }
        if (f instanceof EventQuery.Or or) {
            return "(" + String.join(" OR ", or.any().stream().map(x -> filter(x, p)).toList()) + ")";
        }
        if (f instanceof EventQuery.Not not) {
            return "(NOT " + filter(not.filter(), p) + ")";
        }
        EventQuery.Condition c = (EventQuery.Condition) f;
        String expr = expression(c.dimension(), p);
        List<String> any = new ArrayList<>();
        for (String v : c.values()) {
            String value = p.add(ColumnType.STRING, v);
            any.add(switch (c.op()) {
                case IS, IS_NOT -> expr + " = " + value;
                case CONTAINS -> d.contains(expr, value);
                case MATCHES -> d.matches(expr, value);
            });
        }
        String anyOf = "(" + String.join(" OR ", any) + ")";
        return c.op() == EventQuery.Op.IS_NOT ? "(NOT " + anyOf + ")" : anyOf;
    }

    private String expression(Dimension dim, Params p) {
        return switch (dim.kind()) {
            case COLUMN -> d.text(Tables.EVENTS.requireColumn(dim.column()));
            case PROP -> d.property(p.add(ColumnType.STRING, dim.column()));
            case TIME -> d.bucket("created_at", dim.grain());
        };
    }

    private static int indexOf(List<Dimension> dims, String wire) {
        for (int i = 0; i < dims.size(); i++) {
            if (dims.get(i).wire().equals(wire)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * One page of a subject's events, newest first, at most {@code limit + 1} rows (the extra one says there is a next
     * page): every {@code events} column, times as epoch millis; keyset-paginated on ({@code created_at}, eid as text).
     *
     * @param byColumn {@code uid} or {@code vid}
     * @param subject  its value, or null for all of the tenant's events
     * @param after    the cursor (the last row of the previous page), or null
     */
    public Sql userEvents(UUID oid, String byColumn, UUID subject, long fromMillis, long toMillis, List<String> enames,
                          Cursor after, int limit) {
        if (oid == null) {
            throw new IllegalArgumentException("a read is always of one tenant");
        }
        return events(oid, byColumn, subject, fromMillis, toMillis, enames, after, limit);
    }

    /** As {@link #userEvents} for every tenant: replay and export by an operator, never an API route. */
    public Sql scan(long fromMillis, long toMillis, List<String> enames, Cursor after, int limit) {
        return events(null, "uid", null, fromMillis, toMillis, enames, after, limit);
    }

    private Sql events(UUID oid, String byColumn, UUID subject, long fromMillis, long toMillis, List<String> enames,
                       Cursor after, int limit) {
        Params p = new Params();
        List<String> cols = new ArrayList<>();
        List<ColumnType> types = new ArrayList<>();
        for (Column c : Tables.EVENTS.columns()) {
            cols.add(c.type() == ColumnType.TIMESTAMP ? d.epochMillis(c.name()) : c.name());
            types.add(c.type());
        }
        StringBuilder sql = new StringBuilder("SELECT ").append(String.join(", ", cols)).append(" FROM ")
                .append(d.table("events")).append(" WHERE ")
                .append(oid == null ? "1 = 1" : "oid = " + p.add(ColumnType.UUID, oid));
        if (subject != null) {
            sql.append(" AND ").append(Tables.EVENTS.requireColumn(byColumn)).append(" = ")
                    .append(p.add(ColumnType.UUID, subject));
        }
        sql.append(" AND created_at >= ").append(d.timestamp(p.add(ColumnType.INT64, fromMillis)))
                .append(" AND created_at < ").append(d.timestamp(p.add(ColumnType.INT64, toMillis)));
        if (!enames.isEmpty()) {
            List<String> any = new ArrayList<>();
            for (String n : enames) {
                any.add("ename = " + p.add(ColumnType.STRING, n));
            }
            sql.append(" AND (").append(String.join(" OR ", any)).append(")");
        }
        if (after != null) {
            String t = d.timestamp(p.add(ColumnType.INT64, after.createdAt()));
            sql.append(" AND (created_at < ").append(t).append(" OR (created_at = ").append(t).append(" AND ")
                    .append(d.uuidText("eid")).append(" < ").append(p.add(ColumnType.STRING, after.eid().toString()))
                    .append("))");
        }
        sql.append(" ORDER BY created_at DESC, ").append(d.uuidText("eid")).append(" DESC").append(d.limit(limit + 1, 0));
        return new Sql(sql.toString(), p.list, types);
    }

    /** Where a page ended: the last row's time (as the store returned it) and event id. */
    public record Cursor(long createdAt, UUID eid) {
        public String encode() {
            String s = createdAt + ":" + eid;
            return java.util.Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        /** The cursor of {@code token}, or null when it is not one of ours. */
        public static Cursor decode(String token) {
            try {
                String s = new String(java.util.Base64.getUrlDecoder().decode(token), java.nio.charset.StandardCharsets.UTF_8);
                int colon = s.indexOf(':');
                return new Cursor(Long.parseLong(s.substring(0, colon)), UUID.fromString(s.substring(colon + 1)));
            } catch (RuntimeException e) {
                return null;
            }
        }
    }
}
