package io.tracker.server.http.api;

import static io.tracker.server.http.ApiSupport.body;
import static io.tracker.server.http.ApiSupport.done;
import static io.tracker.server.http.ApiSupport.param;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tracker.core.business.ApiKeys.Scope;
import io.tracker.core.business.Payload;
import io.tracker.core.config.ApiConfig;
import io.tracker.core.pipeline.BadRequestException;
import io.tracker.core.privacy.UserIds;
import io.tracker.core.query.Analytics;
import io.tracker.core.query.EventQuery;
import io.tracker.core.query.QueryParser;
import io.tracker.core.query.QueryPlanner;
import io.tracker.core.session.SessionException;
import io.tracker.server.http.ApiError;
import io.tracker.server.http.ApiSupport;
import io.tracker.server.http.HttpCall;
import io.tracker.server.http.HttpResponses;
import io.tracker.server.http.Routes;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The tenant-scoped read APIs (JSON; times ISO-8601 UTC; lists paginated): a user's events
 * ({@code GET {api}/v1/events/user/{user_id}}, and {@code POST /events/query} in the OTA analytics server's shape),
 * counts per event and interval ({@code GET {api}/v1/events/stats}), and the general aggregate query
 * ({@code POST {api}/v1/query}, Plausible's Stats API v2 shape). The tenant of every statement is the caller's
 * ({@link ApiSupport#requireScope}); nothing in a request can widen it.
 */
public final class QueryRoutes {
    /** The API session's query side, looked up per call (it opens after HTTP is assembled). */
    @FunctionalInterface
    public interface Source {
        Analytics get() throws SessionException;
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_USER_RANGE_DAYS = 3_660;

    private final ApiSupport api;
    private final Source source;
    private final ApiConfig config;
    private final QueryParser parser;
    private final UserIds userIds;
    private final java.time.Clock clock;

    public QueryRoutes(ApiSupport api, Source source, ApiConfig config, UserIds userIds, java.time.Clock clock) {
        this.api = api;
        this.source = source;
        this.config = config;
        this.parser = new QueryParser(config);
        this.userIds = userIds;
        this.clock = clock;
    }

    public Routes.Builder register(Routes.Builder table) {
        String base = config.base();
        return table
                .prefix(base + "/v1/events/user").methods("GET").noCors().access(Routes.Access.API)
                .to((call, rest) -> api.async(() -> userEvents(call, rest)))
                .exact(base + "/v1/events/stats").methods("GET").noCors().access(Routes.Access.API)
                .to((call, rest) -> api.async(() -> stats(call)))
                .exact(base + "/v1/query").methods("POST").noCors().access(Routes.Access.API)
                .to((call, rest) -> api.async(() -> query(call)))
                .exact("/events/query").methods("POST").noCors().access(Routes.Access.API)
                .to((call, rest) -> api.async(() -> eventsQuery(call)))
                .exact(base + "/v1/export").methods("GET").noCors().access(Routes.Access.API)
                .to((call, rest) -> api.async(() -> export(call)));
    }

    /** Exports run on threads of their own (an export can last minutes), at most {@link #EXPORTS} at once. */
    private static final int EXPORTS = 2;
    private static final int EXPORT_PAGE = 5_000;
    private final java.util.concurrent.Semaphore exports = new java.util.concurrent.Semaphore(EXPORTS);
    private final java.util.concurrent.Executor exportThreads = r -> {
        Thread t = new Thread(r, "export");
        t.setDaemon(true);
        t.start();
    };

    /**
     * {@code GET {api}/v1/export?from&to&format=csv|ndjson&ename}: the tenant's events of the range, streamed page by
     * page as the client reads them (never held whole), newest first; CSV with a header of the {@code events} columns,
     * or one JSON event per line.
     */
    private CompletableFuture<FullHttpResponse> export(HttpCall call) throws Exception {
        ApiSupport.Caller caller = api.requireScope(call, Scope.EVENTS_READ);
        Instant now = Instant.ofEpochSecond(clock.instant().getEpochSecond() + 1);
        Instant to = time(param(call, "to"), "to", true, now);
        Instant from = time(param(call, "from"), "from", false, to.minus(Duration.ofDays(30)));
        checkRange(from, to, "from", "to");
        String format = param(call, "format") == null ? "csv" : param(call, "format");
        if (!format.equals("csv") && !format.equals("ndjson")) {
            throw ApiError.badRequest("bad_field", "format: csv or ndjson (parquet: tracker export on the command line)");
        }
        List<String> enames = param(call, "ename") == null ? List.of() : List.of(param(call, "ename"));
        Analytics analytics = source.get();
        // the first page before the head: what the store refuses (Cassandra, an outage) is still a 400 / 503
        Analytics.Page first = analytics.userEvents(caller.oid(), "uid", null, from.toEpochMilli(), to.toEpochMilli(),
                enames, null, EXPORT_PAGE);
        if (!exports.tryAcquire()) {
            throw ApiError.unavailable("exports_busy", EXPORTS + " exports are running; retry when one is done", 30);
        }
        boolean csv = format.equals("csv");
        io.tracker.server.http.StreamedAnswer answer = new io.tracker.server.http.StreamedAnswer(HttpResponseStatus.OK,
                csv ? "text/csv; charset=utf-8" : "application/x-ndjson", exportThreads, sink -> {
            try {
                if (csv) {
                    sink.write(EventCsv.header().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
                Analytics.Page page = first;
                while (true) {
                    StringBuilder chunk = new StringBuilder(page.rows().size() * 256);
                    for (Map<String, Object> row : page.rows()) {
                        if (csv) {
                            EventCsv.line(row, chunk);
                        } else {
                            chunk.append(JSON.writeValueAsString(event(row))).append('\n');
                        }
                    }
                    sink.write(chunk.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    if (page.next() == null) {
                        break;
                    }
                    page = analytics.userEvents(caller.oid(), "uid", null, from.toEpochMilli(), to.toEpochMilli(),
                            enames, page.next(), EXPORT_PAGE);
                }
            } finally {
                exports.release();
            }
        });
        answer.onAbandon(exports::release); // the client left before its turn: the body never runs
        answer.headers().set("Content-Disposition", "attachment; filename=\"events." + format + "\"");
        return done(answer);
    }

    /** {@code GET {api}/v1/events/user/{user_id}?started_at&ended_at&limit&cursor&by=uid|vid&ename}. */
    private CompletableFuture<FullHttpResponse> userEvents(HttpCall call, String rest) throws Exception {
        ApiSupport.Caller caller = api.requireScope(call, Scope.EVENTS_READ);
        String userId = java.net.URLDecoder.decode(rest, java.nio.charset.StandardCharsets.UTF_8);
        if (userId.isBlank() || userId.contains("/") || userId.length() > 256) {
            throw ApiError.badRequest("bad_path", "GET " + config.base() + "/v1/events/user/{user_id}");
        }
        String by = param(call, "by") == null ? "uid" : param(call, "by");
        if (!by.equals("uid") && !by.equals("vid")) {
            throw ApiError.badRequest("bad_field", "by: uid (the default) or vid");
        }
        UUID subject = by.equals("uid") ? userIds.uid(caller.oid(), userId) : ApiSupport.uuid(userId);
        if (subject == null) {
            throw ApiError.badRequest("bad_field", "user_id: a visitor id (by=vid) is a UUID");
        }
        // The event tracking system's defaults: from the start of today (UTC), for 30 days.
        Instant from = time(param(call, "started_at"), "started_at", false,
                LocalDate.now(clock.withZone(ZoneOffset.UTC)).atStartOfDay(ZoneOffset.UTC).toInstant());
        Instant to = time(param(call, "ended_at"), "ended_at", true, from.plus(Duration.ofDays(30)));
        checkRange(from, to, "started_at", "ended_at");
        int limit = limit(param(call, "limit"));
        QueryPlanner.Cursor after = cursor(param(call, "cursor"));
        List<String> enames = param(call, "ename") == null ? List.of() : List.of(param(call, "ename"));
        Analytics.Page page = source.get().userEvents(caller.oid(), by, subject, from.toEpochMilli(), to.toEpochMilli(),
                enames, after, limit);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("user_id", userId);
        out.put("started_at", from.toString());
        out.put("ended_at", to.toString());
        out.put("events", page.rows().stream().map(QueryRoutes::event).toList());
        out.put("next_cursor", page.next() == null ? null : page.next().encode());
        return done(HttpResponses.json(HttpResponseStatus.OK, out));
    }

    /** {@code POST /events/query} {@code {event_name, user_id, start_time, end_time, limit, cursor}}. */
    private CompletableFuture<FullHttpResponse> eventsQuery(HttpCall call) throws Exception {
        ApiSupport.Caller caller = api.requireScope(call, Scope.EVENTS_READ);
        JsonNode body = Payload.object(body(call));
        String userId = ApiSupport.text(body, "user_id", "bad_field");
        UUID subject = userId == null ? null : userIds.uid(caller.oid(), userId);
        // up to now: the end of this second (ClickHouse keeps whole seconds)
        Instant now = Instant.ofEpochSecond(clock.instant().getEpochSecond() + 1);
        Instant to = time(ApiSupport.text(body, "end_time", "bad_field"), "end_time", true, now);
        Instant from = time(ApiSupport.text(body, "start_time", "bad_field"), "start_time", false, to.minus(Duration.ofDays(30)));
        checkRange(from, to, "start_time", "end_time");
        int limit = limit(body.has("limit") ? body.get("limit").asText() : null);
        String name = ApiSupport.text(body, "event_name", "bad_field");
        Analytics.Page page = source.get().userEvents(caller.oid(), "uid", subject, from.toEpochMilli(),
                to.toEpochMilli(), name == null ? List.of() : List.of(name), cursor(ApiSupport.text(body, "cursor", "bad_field")), limit);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("events", page.rows().stream().map(r -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("event_name", r.get("ename"));
            e.put("user_id", userId != null ? userId : r.get("uid") == null ? null : r.get("uid").toString());
            e.put("session_id", r.get("sid") == null ? null : r.get("sid").toString());
            e.put("properties", json(r.get("params")));
            e.put("timestamp", Instant.ofEpochMilli((Long) r.get("created_at")).toString());
            e.putAll(event(r));
            return e;
        }).toList());
        out.put("count", page.rows().size());
        out.put("next_cursor", page.next() == null ? null : page.next().encode());
        return done(HttpResponses.json(HttpResponseStatus.OK, out));
    }

    /** {@code GET {api}/v1/events/stats?started_at&ended_at&interval=hour|day&ename}: counts per interval and event. */
    private CompletableFuture<FullHttpResponse> stats(HttpCall call) throws Exception {
        ApiSupport.Caller caller = api.requireScope(call, Scope.STATS_READ);
        Instant now = clock.instant();
        Instant to = time(param(call, "ended_at"), "ended_at", true,
                LocalDate.ofInstant(now, ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant());
        Instant from = time(param(call, "started_at"), "started_at", false, to.minus(Duration.ofDays(7)));
        checkRange(from, to, "started_at", "ended_at");
        String interval = param(call, "interval") == null ? "day" : param(call, "interval");
        if (!interval.equals("hour") && !interval.equals("day")) {
            throw ApiError.badRequest("bad_field", "interval: hour or day");
        }
        EventQuery.Filter filter = null;
        if (param(call, "ename") != null) {
            filter = new EventQuery.Condition(EventQuery.Op.IS, QueryParser.dimension("event:name", "ename"),
                    List.of(param(call, "ename")));
        }
        int limit = limit(param(call, "limit"));
        int offset = offset(param(call, "cursor"));
        List<EventQuery.Metric> metrics = List.of(EventQuery.Metric.EVENTS, EventQuery.Metric.VISITORS);
        boolean bots = "true".equals(param(call, "include_bots"));
        EventQuery series = new EventQuery(caller.oid(), from, to, metrics,
                List.of(QueryParser.dimension("time:" + interval, "interval"), QueryParser.dimension("event:name", "ename")),
                filter, List.of(), limit + 1, offset, bots, config.pageviewNames());
        EventQuery totals = new EventQuery(caller.oid(), from, to, metrics, List.of(), filter, List.of(), 1, 0, bots,
                config.pageviewNames());
        Analytics analytics = source.get();
        List<Analytics.Group> groups = analytics.aggregate(series);
        List<Analytics.Group> total = analytics.aggregate(totals);
        List<Map<String, Object>> results = new ArrayList<>();
        for (int i = 0; i < groups.size() && i < limit; i++) {
            Analytics.Group g = groups.get(i);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("time", Instant.ofEpochMilli((Long) g.dimensions().get(0)).toString());
            r.put("ename", blankToNull(g.dimensions().get(1)));
            r.put("events", g.metrics().get(0));
            r.put("visitors", g.metrics().get(1));
            results.add(r);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("started_at", from.toString());
        out.put("ended_at", to.toString());
        out.put("interval", interval);
        out.put("results", results);
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("events", total.isEmpty() ? 0L : total.get(0).metrics().get(0));
        t.put("visitors", total.isEmpty() ? 0L : total.get(0).metrics().get(1));
        out.put("totals", t);
        out.put("next_cursor", groups.size() > limit ? offsetCursor(offset + limit) : null);
        out.put("source", analytics.fromRollups(series) ? "rollups" : "events"); // (totals: always events)
        return done(HttpResponses.json(HttpResponseStatus.OK, out));
    }

    /** {@code POST {api}/v1/query}: Plausible's Stats API v2 shape, of the caller's tenant. */
    private CompletableFuture<FullHttpResponse> query(HttpCall call) throws Exception {
        ApiSupport.Caller caller = api.requireScope(call, Scope.STATS_READ);
        JsonNode body = Payload.object(body(call));
        EventQuery q = parser.parse(body, caller.oid(), clock.instant());
        // one row more than asked: whether there is a next page
        EventQuery probe = new EventQuery(q.oid(), q.from(), q.to(), q.metrics(), q.dimensions(), q.filter(),
                q.orderBy(), q.limit() + 1, q.offset(), q.includeBots(), q.pageviews());
        List<Analytics.Group> groups = source.get().aggregate(probe);
        List<Map<String, Object>> results = new ArrayList<>();
        for (int i = 0; i < groups.size() && i < q.limit(); i++) {
            Analytics.Group g = groups.get(i);
            List<Object> dims = new ArrayList<>();
            for (int d = 0; d < q.dimensions().size(); d++) {
                EventQuery.Dimension dim = q.dimensions().get(d);
                Object v = g.dimensions().get(d);
                dims.add(dim.kind() == EventQuery.Dimension.Kind.TIME ? bucket((Long) v, dim.grain()) : blankToNull(v));
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("dimensions", dims);
            r.put("metrics", g.metrics());
            results.add(r);
        }
        Map<String, Object> executed = new LinkedHashMap<>();
        executed.put("metrics", q.metrics().stream().map(EventQuery.Metric::wire).toList());
        executed.put("date_range", List.of(q.from().toString(), q.to().toString()));
        executed.put("dimensions", q.dimensions().stream().map(EventQuery.Dimension::wire).toList());
        executed.put("filters", body.has("filters") ? body.get("filters") : List.of());
        executed.put("order_by", q.orderBy().stream().map(o -> List.of(o.name(), o.descending() ? "desc" : "asc")).toList());
        executed.put("pagination", Map.of("limit", q.limit(), "offset", q.offset()));
        executed.put("include", Map.of("bots", q.includeBots()));
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("tenant", q.oid().toString());
        meta.put("has_more", groups.size() > q.limit());
        if (groups.size() > q.limit()) {
            meta.put("next_offset", q.offset() + q.limit());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("results", results);
        out.put("meta", meta);
        out.put("query", executed);
        return done(HttpResponses.json(HttpResponseStatus.OK, out));
    }

    /** A stored event as the read APIs show it: the event tracking system's fields, then our columns. */
    static Map<String, Object> event(Map<String, Object> row) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("event_id", String.valueOf(row.get("eid")));
        e.put("event_type", row.get("ename"));
        Object t = row.get("created_at");
        e.put("timestamp", t instanceof Long l ? Instant.ofEpochMilli(l).toString() : null);
        e.put("metadata", json(row.get("params")));
        for (Map.Entry<String, Object> c : row.entrySet()) {
            String k = c.getKey();
            Object v = c.getValue();
            if (k.equals("params")) {
                continue;
            }
            if (k.equals("targets")) {
                e.put(k, json(v));
            } else if (k.equals("created_at") && v instanceof Long l) {
                e.put(k, Instant.ofEpochMilli(l).toString());
            } else if (v instanceof UUID || v instanceof java.math.BigDecimal) {
                e.put(k, v.toString());
            } else {
                e.put(k, v);
            }
        }
        return e;
    }

    private static Object json(Object text) {
        if (!(text instanceof String s) || s.isEmpty()) {
            return Map.of();
        }
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            return s;
        }
    }

    private static Object blankToNull(Object v) {
        return v instanceof String s && s.isEmpty() ? null : v;
    }

    private static String bucket(long millis, EventQuery.Grain grain) {
        Instant i = Instant.ofEpochMilli(millis);
        return grain == EventQuery.Grain.HOUR ? i.toString() : LocalDate.ofInstant(i, ZoneOffset.UTC).toString();
    }


    private static Instant time(String value, String field, boolean end, Instant otherwise) {
        if (value == null) {
            return otherwise;
        }
        try {
            return QueryParser.instant(value, end);
        } catch (BadRequestException e) {
            throw ApiError.badRequest("bad_field", field + ": an ISO-8601 date (2024-01-31) or time (2024-01-31T12:00:00Z)");
        }
    }

    private static void checkRange(Instant from, Instant to, String fromField, String toField) {
        if (!from.isBefore(to)) {
            throw ApiError.badRequest("bad_field", fromField + " must be before " + toField);
        }
        if (Duration.between(from, to).toDays() > MAX_USER_RANGE_DAYS) {
            throw ApiError.badRequest("bad_field", fromField + " to " + toField + ": at most " + MAX_USER_RANGE_DAYS + " days");
        }
    }

    private int limit(String value) {
        if (value == null) {
            return config.defaultLimit();
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1 && n <= config.maxLimit()) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.badRequest("bad_field", "limit: between 1 and " + config.maxLimit());
    }

    private static QueryPlanner.Cursor cursor(String token) {
        if (token == null) {
            return null;
        }
        QueryPlanner.Cursor c = QueryPlanner.Cursor.decode(token);
        if (c == null) {
            throw ApiError.badRequest("bad_cursor", "cursor: not a cursor this API gave out");
        }
        return c;
    }

    private static String offsetCursor(int offset) {
        return java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(("o:" + offset).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static int offset(String token) {
        if (token == null) {
            return 0;
        }
        try {
            String s = new String(java.util.Base64.getUrlDecoder().decode(token), java.nio.charset.StandardCharsets.UTF_8);
            if (s.startsWith("o:")) {
                int n = Integer.parseInt(s.substring(2));
                if (n >= 0 && n <= 1_000_000) {
                    return n;
                }
            }
        } catch (RuntimeException e) {
            // answered below
        }
        throw ApiError.badRequest("bad_cursor", "cursor: not a cursor this API gave out");
    }
}
