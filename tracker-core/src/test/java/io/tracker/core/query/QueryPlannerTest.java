package io.tracker.core.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracker.core.config.ApiConfig;
import io.tracker.core.model.ColumnType;
import io.tracker.core.pipeline.BadRequestException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The planner's promises, on a dialect that shows its placeholders: values only as parameters, tenant first. */
class QueryPlannerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final UUID TENANT = UUID.fromString("0a0a0a0a-0000-4000-8000-00000000000a");
    private static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");

    /** Placeholders as {@code :n}: what a backend substitutes. */
    static final class Shown implements SqlDialect {
        public String param(int index, ColumnType type) { return ":" + index; }
        public String timestamp(String e) { return "ts(" + e + ")"; }
        public String epochMillis(String c) { return "ms(" + c + ")"; }
        public String text(String c) { return "txt(" + c + ")"; }
        public String uuidText(String c) { return "str(" + c + ")"; }
        public String property(String k) { return "prop(" + k + ")"; }
        public String numberProperty(String k) { return "num('" + k + "')"; }
        public String bucket(String c, EventQuery.Grain g) { return "bucket(" + c + "," + g + ")"; }
        public String countDistinct(String e) { return "uniq(" + e + ")"; }
        public String countIf(String c) { return "countIf(" + c + ")"; }
        public String countDistinctIf(String e, String c) { return "uniqIf(" + e + "," + c + ")"; }
        public String contains(String h, String n) { return "has(" + h + "," + n + ")"; }
        public String matches(String t, String p) { return "re(" + t + "," + p + ")"; }
        public String notBot() { return "human"; }
        public String table(String n) { return n; }
        public String joinSessions(String e, String s) { return e + " JOIN (" + s + ")"; }
        public String sessionKey() { return "sid"; }
    }

    private static EventQuery parse(String json) throws Exception {
        return new QueryParser(ApiConfig.standard()).parse(JSON.readTree(json), TENANT, NOW);
    }

    @Test
    void everyRequestValueIsAParameterAndTheTenantComesFirst() throws Exception {
        String hostile = "x' OR 1=1 --";
        EventQuery q = parse("{\"metrics\":[\"events\",\"visitors\",\"bounce_rate\",\"revenue\"],\"date_range\":\"7d\","
                + "\"dimensions\":[\"event:props:plan\",\"visit:source\",\"time:day\"],"
                + "\"filters\":[[\"is\",\"event:name\",[\"" + hostile.replace("'", "'") + "\"]],"
                + "[\"or\",[[\"contains\",\"event:page\",[\"/p\"]],[\"not\",[\"matches\",\"visit:os\",[\"^Win\"]]]]]],"
                + "\"order_by\":[[\"visitors\",\"desc\"]],\"pagination\":{\"limit\":10,\"offset\":20}}");
        QueryPlanner.Sql sql = new QueryPlanner(new Shown()).aggregate(q);
        assertFalse(sql.text().contains(hostile), sql.text());
        assertFalse(sql.text().contains("plan"), "even a property name travels as a parameter");
        assertTrue(sql.text().indexOf("WHERE oid = :") > 0);
        assertEquals(TENANT, sql.params().get(sql.text().contains("WHERE oid = :0") ? 0 : paramAfter(sql, "WHERE oid = :")).value());
        assertTrue(sql.params().stream().anyMatch(p -> hostile.equals(p.value())));
        assertTrue(sql.text().endsWith(" LIMIT 10 OFFSET 20"), sql.text());
        assertTrue(sql.text().contains("ORDER BY m1 DESC"), sql.text());
        // every WHERE of the statement (the bounce join's too) is the tenant's
        int wheres = sql.text().split("WHERE oid = :", -1).length - 1;
        assertEquals(2, wheres, sql.text());
        assertEquals(3 + 4 + 1, sql.types().size(), "3 dimensions, 4 metrics, bounce_rate as 2 columns");
    }

    private static int paramAfter(QueryPlanner.Sql sql, String marker) {
        int at = sql.text().indexOf(marker) + marker.length();
        int end = at;
        while (end < sql.text().length() && Character.isDigit(sql.text().charAt(end))) {
            end++;
        }
        return Integer.parseInt(sql.text().substring(at, end));
    }

    @Test
    void userEventsAreKeysetPaginatedAndAlwaysOfOneTenant() {
        QueryPlanner p = new QueryPlanner(new Shown());
        UUID subject = UUID.randomUUID();
        QueryPlanner.Cursor c = new QueryPlanner.Cursor(1_700_000_000_000L, UUID.randomUUID());
        QueryPlanner.Sql sql = p.userEvents(TENANT, "uid", subject, 0, 1, List.of("a"), c, 100);
        assertTrue(sql.text().contains("WHERE oid = :0 AND uid = :1"), sql.text());
        assertTrue(sql.text().contains("ORDER BY created_at DESC, str(eid) DESC LIMIT 101"), sql.text());
        assertEquals(QueryPlanner.Cursor.decode(c.encode()), c);
        assertEquals(null, QueryPlanner.Cursor.decode("bm9wZQ"));
        assertThrows(IllegalArgumentException.class, () -> p.userEvents(null, "uid", subject, 0, 1, List.of(), null, 1));
    }

    @Test
    void theHourlyRollupAnswersOnlyWhatItHoldsExactly() throws Exception {
        QueryPlanner p = new QueryPlanner(new Shown());
        String range = "\"date_range\":[\"2026-03-01\",\"2026-03-02\"]";
        assertTrue(p.hourlyRollup(parse("{\"metrics\":[\"events\",\"visitors\"]," + range
                + ",\"dimensions\":[\"time:hour\",\"event:name\"]}"), true) != null);
        assertEquals(null, p.hourlyRollup(parse("{\"metrics\":[\"visitors\"]," + range
                + ",\"dimensions\":[\"time:hour\"]}"), true), "visitors summed over names would count people twice");
        assertEquals(null, p.hourlyRollup(parse("{\"metrics\":[\"events\",\"visitors\"]," + range
                + ",\"dimensions\":[\"time:hour\",\"event:name\"]}"), false), "estimated visitors");
        assertTrue(p.hourlyRollup(parse("{\"metrics\":[\"events\"]," + range + ",\"dimensions\":[\"time:hour\"]}"),
                false) != null, "events add up");
        assertEquals(null, p.hourlyRollup(parse("{\"metrics\":[\"events\"]," + range
                + ",\"dimensions\":[\"time:hour\"],\"include\":{\"bots\":true}}"), true));
        assertEquals(null, p.hourlyRollup(parse("{\"metrics\":[\"events\"],\"date_range\":[\"2026-03-01T10:30:00Z\","
                + "\"2026-03-01T12:00:00Z\"],\"dimensions\":[\"time:hour\"]}"), true), "not whole hours");
        assertEquals(null, p.hourlyRollup(parse("{\"metrics\":[\"events\"]," + range
                + ",\"dimensions\":[\"time:hour\"],\"filters\":[[\"is\",\"visit:source\",[\"x\"]]]}"), true));
    }

    @Test
    void refusalsNameTheFieldAndWhatItMustBe() {
        assertBad("{\"metrics\":[\"dwell\"],\"date_range\":\"day\"}", "dwell");
        assertBad("{\"metrics\":[\"events\"],\"date_range\":\"day\",\"dimensions\":[\"visit:shoe\"]}", "visit:shoe");
        assertBad("{\"metrics\":[\"events\"],\"date_range\":\"fortnight\"}", "date_range");
        assertBad("{\"metrics\":[\"events\"],\"date_range\":[\"2026-02-01\",\"2026-01-01\"]}", "before the end");
        assertBad("{\"metrics\":[\"events\"],\"date_range\":\"day\",\"dimensions\":[\"event:props:a b\"]}", "property");
        assertBad("{\"metrics\":[\"events\"],\"date_range\":\"day\",\"filters\":[[\"like\",\"event:name\",[\"x\"]]]}",
                "like");
        assertBad("{\"metrics\":[\"events\"],\"date_range\":\"day\",\"order_by\":[[\"visitors\",\"desc\"]]}", "visitors");
        assertBad("{\"metrics\":[\"events\"],\"date_range\":\"day\",\"pagination\":{\"limit\":0}}", "pagination.limit");
        assertBad("{\"metrics\":[\"events\"],\"date_range\":\"day\",\"site_id\":\"x\",\"oid\":\"y\"}", "oid");
    }

    @Test
    void dateRangesAreUtcDaysWithInclusiveEndDates() throws Exception {
        EventQuery day = parse("{\"metrics\":[\"events\"],\"date_range\":\"day\"}");
        assertEquals(Instant.parse("2026-03-10T00:00:00Z"), day.from());
        assertEquals(Instant.parse("2026-03-11T00:00:00Z"), day.to());
        EventQuery week = parse("{\"metrics\":[\"events\"],\"date_range\":\"7d\"}");
        assertEquals(Instant.parse("2026-03-04T00:00:00Z"), week.from());
        EventQuery pair = parse("{\"metrics\":[\"events\"],\"date_range\":[\"2026-01-01\",\"2026-01-31\"]}");
        assertEquals(Instant.parse("2026-02-01T00:00:00Z"), pair.to());
        EventQuery times = parse("{\"metrics\":[\"events\"],\"date_range\":[\"2026-01-01T10:00:00+02:00\","
                + "\"2026-01-01T12:00:00Z\"]}");
        assertEquals(Instant.parse("2026-01-01T08:00:00Z"), times.from());
    }

    private static void assertBad(String json, String named) {
        BadRequestException e = assertThrows(BadRequestException.class, () -> parse(json));
        assertTrue(e.getMessage().contains(named), e.getMessage());
    }
}
