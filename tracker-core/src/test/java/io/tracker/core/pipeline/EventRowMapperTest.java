package io.tracker.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tracker.core.config.TrackerConfig;
import io.tracker.core.model.Row;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class EventRowMapperTest {
    private final ObjectMapper mapper = new ObjectMapper();
    private final EventPipeline pipeline =
            EventPipeline.standard(TrackerConfig.standard(), mapper, new EventIds(), new SimpleMeterRegistry());
    private final EventRowMapper rows = new EventRowMapper(mapper);

    private Row map(String json) throws Exception {
        HitRequest r = Hits.post(Route.SERVER, json);
        return rows.map(pipeline.run(r, (ObjectNode) HitBody.parse(mapper, r.body(), 10).get(0)));
    }

    @Test
    void wrongTypesAreCoercedNotPoisoning() throws Exception {
        Row row = map("{\"zip\":94105,\"rel\":2,\"content\":[\"a\",\"b\"],\"duration\":\"12\",\"ver\":3.0,\"score\":\"0.5\"}");
        assertEquals("94105", row.get("zip"));
        assertEquals("2", row.get("rel"));
        assertEquals("[\"a\",\"b\"]", row.get("content"));
        assertEquals(12L, row.get("duration"));
        assertEquals(3, row.get("ver"));
        assertEquals(0.5, row.get("score"));
    }

    @Test
    void uncoercibleValuesMoveToParams() throws Exception {
        Row row = map("{\"duration\":\"soon\",\"uid\":\"nope\",\"lat\":\"north\"}");
        assertNull(row.get("duration"));
        assertNull(row.get("uid"));
        JsonNode params = mapper.readTree((String) row.get("params"));
        assertEquals("soon", params.get("duration").asText());
        assertEquals("nope", params.get("uid").asText());
        assertEquals("north", params.get("lat").asText());
    }

    @Test
    void unknownKeysGoToTypedParamsMergedWithClientParams() throws Exception {
        Row row = map("{\"plan\":\"Pro\",\"seats\":\"12\",\"zip_code\":\"01234\",\"ratio\":\"0.25\",\"ok\":\"TRUE\","
                + "\"params\":{\"Nested\":{\"n\":\"7\"},\"Keep\":\"CaSe\"}}");
        JsonNode p = mapper.readTree((String) row.get("params"));
        assertEquals("pro", p.get("plan").asText());
        assertEquals(12, p.get("seats").asInt());
        assertEquals("01234", p.get("zip_code").asText(), "leading zeros keep a string a string");
        assertEquals(0.25, p.get("ratio").asDouble());
        assertEquals(true, p.get("ok").asBoolean());
        assertEquals(7, p.get("Nested").get("n").asInt());
        assertEquals("CaSe", p.get("Keep").asText(), "client params keep their case");
    }

    @Test
    void emptyParamsIsAnEmptyObject() throws Exception {
        assertEquals("{}", map("{}").get("params"));
    }

    @Test
    void idsTimesAndRenamedColumns() throws Exception {
        UUID uid = UUID.randomUUID();
        Row row = map("{\"uid\":\"" + uid + "\",\"w\":1280,\"h\":\"720\",\"country\":\"nz\",\"targets\":{\"a\":1}}");
        assertEquals(uid, row.get("uid"));
        assertEquals(1280L, row.get("vp_w"));
        assertEquals(720L, row.get("vp_h"));
        assertEquals("NZ", row.get("country"));
        assertEquals("{\"a\":1}", row.get("targets"));
        assertEquals(row.eid(), row.get("eid"));
        long created = (Long) row.get("created_at");
        assertEquals(true, Math.abs(System.currentTimeMillis() - created) < 60_000);
    }
}
