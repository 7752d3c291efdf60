package io.tracker.core.query;

import com.fasterxml.jackson.databind.JsonNode;
import io.tracker.core.config.ApiConfig;
import io.tracker.core.pipeline.BadRequestException;
import io.tracker.core.query.EventQuery.Dimension;
import io.tracker.core.query.EventQuery.Filter;
import io.tracker.core.query.EventQuery.Grain;
import io.tracker.core.query.EventQuery.Metric;
import io.tracker.core.query.EventQuery.Op;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Reads a {@code POST /api/v1/query} body (Plausible's Stats API v2 shape) into an {@link EventQuery}; every refusal
 * names the field and what it must be.
 */
public final class QueryParser {
    /** The dimensions backed by an {@code events} column. */
    public static final Map<String, String> COLUMNS = Map.ofEntries(
            Map.entry("event:name", "ename"), Map.entry("event:page", "url"), Map.entry("event:type", "etyp"),
            Map.entry("visit:source", "source"), Map.entry("visit:medium", "medium"),
            Map.entry("visit:campaign", "campaign"), Map.entry("visit:term", "term"), Map.entry("visit:content", "content"),
            Map.entry("visit:channel", "channel"), Map.entry("visit:referrer", "referrer_host"),
            Map.entry("visit:country", "country"), Map.entry("visit:region", "region"), Map.entry("visit:city", "city"),
            Map.entry("visit:device", "device"), Map.entry("visit:browser", "browser"),
            Map.entry("visit:browser_version", "browser_version"), Map.entry("visit:os", "os"),
            Map.entry("visit:os_version", "os_version"));
    private static final Pattern PROP_KEY = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final int MAX_DIMENSIONS = 8;
    private static final int MAX_FILTER_NODES = 64;
    private static final int MAX_FILTER_VALUES = 500;
    private static final long MAX_RANGE_DAYS = 3_660;

    private final ApiConfig config;

    public QueryParser(ApiConfig config) {
        this.config = config;
    }

    public EventQuery parse(JsonNode body, UUID oid, Instant now) throws BadRequestException {
        if (body == null || !body.isObject()) {
            throw bad("the body must be a JSON object");
        }
        for (var it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!Set.of("metrics", "date_range", "dimensions", "filters", "order_by", "pagination", "include",
                    "site_id").contains(f)) {
                throw bad(f + ": not a field of a query (metrics, date_range, dimensions, filters, order_by, "
                        + "pagination, include)");
            }
        }
        List<Metric> metrics = new ArrayList<>();
        JsonNode m = body.path("metrics");
        if (!m.isArray() || m.isEmpty()) {
            throw bad("metrics: a non-empty array of " + wires());
        }
        for (JsonNode n : m) {
            Metric metric = n.isTextual() ? Metric.of(n.asText()) : null;
            if (metric == null) {
                throw bad("metrics: '" + n.asText() + "' is not a metric (" + wires() + ")");
            }
            if (!metrics.contains(metric)) {
                metrics.add(metric);
            }
        }
        Instant[] range = range(body.path("date_range"), now);
        List<Dimension> dimensions = new ArrayList<>();
        JsonNode d = body.path("dimensions");
        if (!d.isMissingNode() && !d.isArray()) {
            throw bad("dimensions: an array of dimension names");
        }
        for (JsonNode n : d) {
            Dimension dim = dimension(n.asText(), "dimensions");
            if (dimensions.stream().noneMatch(x -> x.wire().equals(dim.wire()))) {
                dimensions.add(dim);
            }
        }
        if (dimensions.size() > MAX_DIMENSIONS) {
            throw bad("dimensions: at most " + MAX_DIMENSIONS);
        }
        if (dimensions.stream().filter(x -> x.kind() == Dimension.Kind.TIME).count() > 1) {
            throw bad("dimensions: one time dimension at most");
        }
        Filter filter = null;
        JsonNode f = body.path("filters");
        if (!f.isMissingNode() && !f.isNull()) {
            if (!f.isArray()) {
                throw bad("filters: an array of [operator, dimension, [values]]");
            }
            int[] nodes = {0, 0}; // conditions, values
            List<Filter> all = new ArrayList<>();
            for (JsonNode n : f) {
                all.add(filter(n, nodes));
            }
            filter = all.isEmpty() ? null : all.size() == 1 ? all.get(0) : new EventQuery.And(all);
        }
        Set<String> selectable = new HashSet<>();
        metrics.forEach(x -> selectable.add(x.wire()));
        dimensions.forEach(x -> selectable.add(x.wire()));
        List<EventQuery.Order> order = new ArrayList<>();
        JsonNode o = body.path("order_by");
        if (!o.isMissingNode()) {
            if (!o.isArray()) {
                throw bad("order_by: an array of [metric or dimension, \"asc\" | \"desc\"]");
            }
            for (JsonNode n : o) {
                String name = n.path(0).asText();
                String dir = n.path(1).asText("desc");
                if (!selectable.contains(name)) {
                    throw bad("order_by: '" + name + "' is not one of the query's metrics or dimensions");
                }
                if (!dir.equals("asc") && !dir.equals("desc")) {
                    throw bad("order_by: the direction of '" + name + "' must be \"asc\" or \"desc\"");
                }
                order.add(new EventQuery.Order(name, dir.equals("desc")));
            }
        }
        JsonNode p = body.path("pagination");
        int limit = p.path("limit").isMissingNode() ? config.defaultLimit() : p.path("limit").asInt(-1);
        int offset = p.path("offset").asInt(0);
        if (limit < 1 || limit > config.maxLimit()) {
            throw bad("pagination.limit: between 1 and " + config.maxLimit());
        }
        if (offset < 0 || offset > 1_000_000) {
            throw bad("pagination.offset: between 0 and 1000000");
        }
        boolean bots = body.path("include").path("bots").asBoolean(false);
        return new EventQuery(oid, range[0], range[1], metrics, dimensions, filter, order, limit, offset, bots,
                config.pageviewNames());
    }

    private Filter filter(JsonNode n, int[] nodes) throws BadRequestException {
        if (++nodes[0] > MAX_FILTER_NODES) {
            throw bad("filters: at most " + MAX_FILTER_NODES + " conditions");
        }
        if (!n.isArray() || n.isEmpty()) {
            throw bad("filters: each filter is [operator, dimension, [values]] or [\"and\"|\"or\", [filters]] or "
                    + "[\"not\", filter]");
        }
        String op = n.path(0).asText();
        switch (op) {
            case "and", "or" -> {
                JsonNode list = n.path(1);
                if (!list.isArray() || list.isEmpty()) {
                    throw bad("filters: [\"" + op + "\", [filters]] needs a non-empty list");
                }
                List<Filter> parts = new ArrayList<>();
                for (JsonNode x : list) {
                    parts.add(filter(x, nodes));
                }
                return op.equals("and") ? new EventQuery.And(parts) : new EventQuery.Or(parts);
            }
            case "not" -> {
                return new EventQuery.Not(filter(n.path(1), nodes));
            }
            case "is", "is_not", "contains", "matches" -> {
                Dimension dim = dimension(n.path(1).asText(), "filters");
                if (dim.kind() == Dimension.Kind.TIME) {
                    throw bad("filters: time is filtered by date_range, not by '" + dim.wire() + "'");
                }
                JsonNode values = n.path(2);
                if (!values.isArray() || values.isEmpty()) {
                    throw bad("filters: the values of " + dim.wire() + " must be a non-empty array");
                }
                if (values.size() > config.maxFilterValues()) {
                    throw bad("filters: at most " + config.maxFilterValues() + " values per filter");
                }
                nodes[1] += values.size();
                if (nodes[1] > MAX_FILTER_VALUES) {
                    throw bad("filters: at most " + MAX_FILTER_VALUES + " values in all");
                }
                List<String> v = new ArrayList<>();
                for (JsonNode x : values) {
                    if (!x.isValueNode() || x.isNull()) {
                        throw bad("filters: the values of " + dim.wire() + " must be strings or numbers");
                    }
                    String s = x.asText();
                    if (s.length() > 1_000) {
                        throw bad("filters: a value of " + dim.wire() + " is over 1000 characters");
                    }
                    v.add(s);
                }
                Op kind = switch (op) {
                    case "is" -> Op.IS;
                    case "is_not" -> Op.IS_NOT;
                    case "contains" -> Op.CONTAINS;
                    default -> Op.MATCHES;
                };
                return new EventQuery.Condition(kind, dim, v);
            }
            default -> throw bad("filters: '" + op + "' is not an operator (is, is_not, contains, matches, and, or, not)");
        }
    }

    /** A dimension by its wire name, or a 400 naming it ({@code where}: the field it came from). */
    public static Dimension dimension(String wire, String where) throws BadRequestException {
        String column = COLUMNS.get(wire);
        if (column != null) {
            return new Dimension(wire, Dimension.Kind.COLUMN, column, null);
        }
        if (wire.startsWith("event:props:")) {
            String key = wire.substring("event:props:".length());
            if (!PROP_KEY.matcher(key).matches()) {
                throw bad(where + ": property names are 1-64 letters, digits, '_' or '-': '" + key + "'");
            }
            return new Dimension(wire, Dimension.Kind.PROP, key, null);
        }
        Grain g = switch (wire) {
            case "time:hour" -> Grain.HOUR;
            case "time", "time:day" -> Grain.DAY;
            case "time:week" -> Grain.WEEK;
            case "time:month" -> Grain.MONTH;
            default -> null;
        };
        if (g == null) {
            throw bad(where + ": '" + wire + "' is not a dimension (" + String.join(", ", new java.util.TreeSet<>(COLUMNS.keySet()))
                    + ", event:props:<name>, time:hour|day|week|month)");
        }
        return new Dimension(wire.equals("time") ? "time:day" : wire, Dimension.Kind.TIME, null, g);
    }

    /** {@code "day"}, {@code "7d"}, {@code "30d"}, {@code "month"}, {@code "12mo"}, or an ISO pair of dates or instants. */
    static Instant[] range(JsonNode r, Instant now) throws BadRequestException {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        Instant tomorrow = today.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        if (r.isTextual()) {
            return switch (r.asText()) {
                case "day" -> new Instant[] {today.atStartOfDay(ZoneOffset.UTC).toInstant(), tomorrow};
                case "7d" -> new Instant[] {today.minusDays(6).atStartOfDay(ZoneOffset.UTC).toInstant(), tomorrow};
                case "30d" -> new Instant[] {today.minusDays(29).atStartOfDay(ZoneOffset.UTC).toInstant(), tomorrow};
                case "month" -> new Instant[] {today.withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
                        today.withDayOfMonth(1).plusMonths(1).atStartOfDay(ZoneOffset.UTC).toInstant()};
                case "12mo" -> new Instant[] {today.withDayOfMonth(1).minusMonths(11).atStartOfDay(ZoneOffset.UTC)
                        .toInstant(), today.withDayOfMonth(1).plusMonths(1).atStartOfDay(ZoneOffset.UTC).toInstant()};
                default -> throw bad("date_range: \"day\", \"7d\", \"30d\", \"month\", \"12mo\" or [start, end]");
            };
        }
        if (r.isArray() && r.size() == 2 && r.get(0).isTextual() && r.get(1).isTextual()) {
            Instant from = instant(r.get(0).asText(), false);
            Instant to = instant(r.get(1).asText(), true);
            if (!from.isBefore(to)) {
                throw bad("date_range: the start must be before the end");
            }
            if (java.time.Duration.between(from, to).toDays() > MAX_RANGE_DAYS) {
                throw bad("date_range: at most " + MAX_RANGE_DAYS + " days");
            }
            return new Instant[] {from, to};
        }
        throw bad("date_range: \"day\", \"7d\", \"30d\", \"month\", \"12mo\" or [start, end] (ISO-8601 dates or times)");
    }

    /** An ISO date (a whole day: an end date is inclusive) or an ISO instant with offset (an end is exclusive). */
    public static Instant instant(String s, boolean end) throws BadRequestException {
        try {
            if (s.length() == 10) {
                LocalDate d = LocalDate.parse(s);
                return (end ? d.plusDays(1) : d).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            throw bad("date_range: '" + s + "' is not an ISO-8601 date (2024-01-31) or time (2024-01-31T12:00:00Z)");
        }
    }

    private static String wires() {
        StringBuilder sb = new StringBuilder();
        for (Metric m : Metric.values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(m.wire());
        }
        return sb.toString();
    }

    private static BadRequestException bad(String message) {
        return new BadRequestException("bad_query", message);
    }
}
