package io.tracker.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tracker.core.config.TrackerConfig;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowCodec;
import io.tracker.core.model.RowJson;
import io.tracker.core.model.Tables;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Campaign / messaging rows made from the Go test scripts' kinds of payloads (tests/test_*_fields.sh). */
class MessagingRowMapperTest {
    private static final String TID = "11111111-2222-3333-4444-555555555555";
    private static final String OID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
    private final ObjectMapper mapper = new ObjectMapper();
    private final EventPipeline pipeline =
            EventPipeline.standard(TrackerConfig.standard(), mapper, new EventIds(), new SimpleMeterRegistry());
    private final EventRowMapper events = new EventRowMapper(mapper);
    private final MessagingRowMapper messaging = new MessagingRowMapper(mapper);

    private record Mapped(Row event, List<Row> rows, MessagingRowMapper.Outcome outcome) {
        Row of(io.tracker.core.model.Table t) {
            return rows.stream().filter(r -> r.table() == t).findFirst().orElse(null);
        }
    }

    private Mapped map(Route route, String json) throws Exception {
        HitRequest r = Hits.post(route, json);
        EventContext e = pipeline.run(r, (ObjectNode) HitBody.parse(mapper, r.body(), 10).get(0));
        Row row = events.map(e);
        List<Row> out = new ArrayList<>();
        MessagingRowMapper.Outcome o = messaging.map(e, row, out);
        return new Mapped(row, out, o);
    }

    @Test
    void aTidEventWritesOneRowPerMessagingTableWithTheEventsIdAndTypedFields() throws Exception {
        Mapped m = map(Route.TRACK, "{\"tid\":\"" + TID + "\",\"oid\":\"" + OID + "\",\"ename\":\"conversion\","
                + "\"etyp\":\"conversion\",\"provider\":\"website\",\"medium\":\"page\",\"alias\":\"http://test.com/success\","
                + "\"subject\":\"Test Conversion\",\"msg\":\"User completed purchase\",\"urgency\":5,"
                + "\"cats\":[\"category1\",\"category2\",3],\"admins\":[\"admin-1111\",\"" + OID + "\"],"
                + "\"splits\":{\"variant_a\":33},\"ddata\":\"Detailed data JSON string\",\"opens\":true,"
                + "\"provider_cost\":1250.75,\"planned_impressions\":1000000,\"abz_start_time\":\"2025-01-01T00:00:00Z\","
                + "\"mcert_id\":\"cert-3333-4444\",\"auth\":\"oauth2\",\"xid\":\"b\",\"campaign_id\":\"c-1\"}");
        assertEquals(MessagingRowMapper.Outcome.WRITTEN, m.outcome());
        assertEquals(4, m.rows().size(), "mthreads, mstore, mtriage, impression_daily");
        Row t = m.of(Tables.MTHREADS);
        assertEquals(m.event().eid(), t.eid());
        assertEquals(UUID.fromString(TID), t.get("tid"));
        assertEquals(UUID.fromString(OID), t.get("oid"));
        assertEquals("website", t.get("provider"));
        assertEquals("http://test.com/success", t.get("alias"));
        assertEquals("test conversion", t.get("subject"), "POST values are lower-cased, as the Go tracker does (spec §3)");
        assertEquals(5, t.get("urgency"));
        assertEquals(List.of("category1", "category2"), t.get("cats"), "only strings, as the Go parser keeps");
        assertEquals(List.of(UUID.fromString(OID)), t.get("admins"), "only valid UUIDs");
        assertEquals("{\"variant_a\":33}", t.get("splits"));
        assertEquals("\"detailed data json string\"", t.get("ddata"), "a JSON column always holds valid JSON");
        assertEquals(Boolean.TRUE, t.get("opens"));
        assertEquals(1250.75, t.get("provider_cost"));
        assertEquals(1_000_000L, t.get("planned_impressions"));
        assertEquals(Instant.parse("2025-01-01T00:00:00Z").toEpochMilli(), t.get("abz_start_time"));
        assertNull(t.get("mcert_id"), "not a UUID: the column default");
        assertEquals("oauth2", t.get("auth_name"));
        assertEquals("conversion", t.get("ename"));
        assertEquals(m.event().get("vid"), t.get("vid"));
        assertEquals(m.event().get("created_at"), t.get("created_at"));

        Row store = m.of(Tables.MSTORE);
        Row triage = m.of(Tables.MTRIAGE);
        assertEquals(m.event().eid(), store.get("mid"), "no client mid: the event id, so a retry writes the same message");
        assertEquals(store.get("mid"), triage.get("mid"));
        assertEquals(5, triage.get("urgency"), "the event's urgency");
        assertEquals(Boolean.TRUE, triage.get("keep"), "triage default");
        assertEquals(-1, store.get("scheduled_local_hour"), "Go default");
        assertEquals("user completed purchase", store.get("msg"));

        Row imp = m.of(Tables.IMPRESSION_DAILY);
        assertEquals(1L, imp.get("conversions"));
        assertEquals(1L, imp.get("anonymous_impressions"));
        assertEquals(0L, imp.get("identified_impressions"));
        assertEquals("b", imp.get("variant_id"));
        assertEquals("c-1", imp.get("campaign_id"));
        long day = (Long) imp.get("day");
        assertEquals(0, day % 86_400_000L);
        assertTrue((Long) imp.get("created_at") - day < 86_400_000L);
    }

    @Test
    void triageDefaultsAClientMidAndNoImpressionWithoutConversionOrScore() throws Exception {
        String mid = "0190c8a4-5d2b-7c3e-9f00-5a1b2c3d4e5f";
        Mapped m = map(Route.TRACK, "{\"tid\":\"" + TID + "\",\"oid\":\"" + OID + "\",\"ename\":\"premium_signup\","
                + "\"mid\":\"" + mid + "\",\"keep\":false,\"uid\":\"" + OID + "\"}");
        assertEquals(3, m.rows().size());
        assertEquals(UUID.fromString(mid), m.of(Tables.MSTORE).get("mid"));
        assertEquals(8, m.of(Tables.MTRIAGE).get("urgency"));
        assertEquals(Boolean.FALSE, m.of(Tables.MTRIAGE).get("keep"), "the event's keep wins");
        Mapped scored = map(Route.TRACK, "{\"tid\":\"" + TID + "\",\"oid\":\"" + OID + "\",\"ename\":\"view\",\"score\":2.5,"
                + "\"uid\":\"" + OID + "\"}");
        Row imp = scored.of(Tables.IMPRESSION_DAILY);
        assertEquals(0L, imp.get("conversions"));
        assertEquals(1L, imp.get("identified_impressions"), "a uid: identified (the Go tracker counted every one anonymous)");
        Mapped noOid = map(Route.TRACK, "{\"tid\":\"" + TID + "\",\"ename\":\"conversion\"}");
        assertEquals(3, noOid.rows().size(), "impression_daily needs an oid");
    }

    @Test
    void aTidThatIsNotAUuidWritesNothingAndSaysSo() throws Exception {
        Mapped bad = map(Route.TRACK, "{\"tid\":\"bbbbbbbb-cccc-dddd-eeee-ffffffffffffffff\",\"ename\":\"x\"}");
        assertEquals(MessagingRowMapper.Outcome.TID_NOT_UUID, bad.outcome());
        assertEquals(0, bad.rows().size());
        assertEquals(MessagingRowMapper.Outcome.NONE, map(Route.TRACK, "{\"ename\":\"x\"}").outcome());
    }

    @Test
    void queryStringListsAndTimesAreRead() throws Exception {
        HitRequest r = Hits.get(Route.TRACK, "", "tid=" + TID + "&cats=a,b,,c&sent=" + OID + ",nope&deleted=1735689600"
                + "&updatedms=1735689600000&scheduled=2025-01-20%2010:00:00&opens=true&ver=2");
        EventContext e = pipeline.run(r, null);
        List<Row> out = new ArrayList<>();
        messaging.map(e, events.map(e), out);
        Row t = out.get(0);
        assertEquals(List.of("a", "b", "c"), t.get("cats"));
        assertEquals(List.of(UUID.fromString(OID)), t.get("sent"));
        assertEquals(1_735_689_600_000L, t.get("deleted"), "a number of Unix seconds, as the Go parser reads it");
        assertEquals(1_735_689_600_000L, t.get("updatedms"));
        assertEquals(Boolean.TRUE, t.get("opens"));
        assertEquals(2, t.get("ver"));
        assertEquals(Instant.parse("2025-01-20T10:00:00Z").toEpochMilli(), out.get(1).get("scheduled"));
    }

    @Test
    void aHostileListIsCappedInEveryTable() throws Exception {
        StringBuilder many = new StringBuilder("{\"tid\":\"" + TID + "\",\"mtypes\":\"");
        for (int i = 0; i < 5000; i++) {
            many.append(i == 0 ? "" : ",").append('m').append(i);
        }
        Mapped m = map(Route.TRACK, many.append("\"}").toString());
        for (var t : List.of(Tables.MTHREADS, Tables.MSTORE, Tables.MTRIAGE)) {
            List<?> kept = (List<?>) m.of(t).get("mtypes");
            assertEquals(MessagingRowMapper.MAX_LIST_ELEMENTS, kept.size(), t.name());
            assertEquals("m0", kept.get(0));
        }
    }

    @Test
    void listsSurviveTheWalAndTheStreamEncoding() throws Exception {
        Mapped m = map(Route.TRACK, "{\"tid\":\"" + TID + "\",\"cats\":[\"x\",\"\\\"q\\\" ,y\"],\"subs\":[\"" + OID + "\"]}");
        Row t = m.of(Tables.MTHREADS);
        Row back = RowCodec.decode(RowCodec.encode(Tables.MTHREADS, List.of(t)), n -> Tables.byName(n).orElse(null))
                .rows().get(0);
        Row fromJson = RowJson.decode(Tables.MTHREADS, RowJson.encode(Tables.MTHREADS, t));
        for (Row r : List.of(back, fromJson)) {
            assertEquals(List.of("x", "\"q\" ,y"), r.get("cats"));
            assertEquals(List.of(UUID.fromString(OID)), r.get("subs"));
            assertEquals(t.get("created_at"), r.get("created_at"));
            assertEquals(t.eid(), r.eid());
        }
    }
}
