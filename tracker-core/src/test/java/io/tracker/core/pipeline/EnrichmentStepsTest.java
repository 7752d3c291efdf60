package io.tracker.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tracker.core.config.EnrichConfig;
import io.tracker.core.config.TrackerConfig;
import io.tracker.core.enrich.Enrichment;
import io.tracker.core.model.Row;
import io.tracker.core.privacy.IpAnonymizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The enrichment steps in the standard pipeline: what they fill, what they leave, where they do not run. */
class EnrichmentStepsTest {
    private static final String IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 "
            + "(KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1";
    private final ObjectMapper mapper = new ObjectMapper();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private EventPipeline pipeline(TrackerConfig config) {
        return EventPipeline.standard(config, mapper, new EventIds(), registry, null,
                new IpAnonymizer(config.privacy().ipMode()), Enrichment.load(config, mapper));
    }

    private static HitRequest get(Route route, String query, String ua, String ip) {
        return new HitRequest(route, "GET", "", query, null, Map.of(), null, ua, "en", ip, "shop.example");
    }

    private static EventContext run(EventPipeline p, HitRequest r) throws BadRequestException {
        ObjectNode body = r.body().length == 0 ? null : (ObjectNode) HitBody.parse(new ObjectMapper(), r.body(), 10).get(0);
        return p.run(r, body);
    }

    @Test
    void aBrowserHitIsEnrichedAndTheRowHoldsIt() throws Exception {
        EventPipeline p = pipeline(TrackerConfig.standard());
        EventContext e = run(p, get(Route.PIXEL, "ename=pv&url=https%3A%2F%2Fshop.example%2F%3Fgclid%3Dx"
                + "&last=https%3A%2F%2Fwww.google.com%2F&tz=Europe%2FBerlin", IPHONE, "203.0.113.9"));
        Map<String, Object> v = e.values();
        assertEquals("Safari", v.get("browser"));
        assertEquals("17.4.1", v.get("browser_version"));
        assertEquals("iOS", v.get("os"));
        assertEquals("phone", v.get("device"));
        assertEquals(false, v.get("is_bot"));
        assertEquals("Paid Search", v.get("channel"), "a gclid on the page URL");
        assertEquals("www.google.com", v.get("referrer_host"));
        if (java.nio.file.Files.isRegularFile(java.nio.file.Path.of(EnrichConfig.Country.ZONE_TABLE))) {
            assertEquals("DE", v.get("country"), "from tz: no GeoIP here");
        }
        Row row = new EventRowMapper(mapper).map(e);
        assertEquals(Boolean.FALSE, row.get("is_bot"));
        assertEquals("Paid Search", row.get("channel"));
        assertEquals("17.4.1", row.get("os_version"));
        assertFalse(String.valueOf(row.get("params")).contains("browser"), "enrichment lands in columns: " + row.get("params"));
    }

    @Test
    void whatTheClientSentWins() throws Exception {
        EventContext e = run(pipeline(TrackerConfig.standard()), get(Route.PIXEL,
                "ename=pv&device=kiosk&browser=ourapp&channel=partners&country=fr&tz=Asia%2FTokyo", IPHONE, "10.0.0.1"));
        assertEquals("kiosk", e.values().get("device"));
        assertEquals("ourapp", e.values().get("browser"));
        assertEquals("partners", e.values().get("channel"));
        assertEquals("fr", e.values().get("country"));
        assertEquals("iOS", e.values().get("os"), "what it did not send is filled");
    }

    @Test
    void botsAreFlaggedWithTheirReasonAndServerHitsAreNotJudged() throws Exception {
        EventPipeline p = pipeline(TrackerConfig.standard());
        assertEquals("ua:client", run(p, get(Route.PIXEL, "ename=pv", "python-requests/2.31", "10.0.0.1")).values().get("bot_reason"));
        assertEquals("ua:missing", run(p, get(Route.TRACK, "ename=pv", null, "10.0.0.1")).values().get("bot_reason"));
        EventContext g = run(p, get(Route.TRACK, "ename=pv", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "10.0.0.1"));
        assertEquals(true, g.values().get("is_bot"));
        assertEquals("ua:robot", g.values().get("bot_reason"));
        EventContext wd = run(p, get(Route.TRACK, "ename=pv&webdriver=1", IPHONE, "10.0.0.1"));
        assertEquals("client:webdriver", wd.values().get("bot_reason"));
        assertFalse(wd.values().containsKey("webdriver"), "a signal, not a param");
        EventContext lying = run(p, get(Route.TRACK, "ename=pv&is_bot=false", "curl/8.4.0", "10.0.0.1"));
        assertEquals(true, lying.values().get("is_bot"), "the client does not decide");
        EventContext server = run(p, get(Route.SERVER, "ename=pv", "curl/8.4.0", "10.0.0.1"));
        assertNull(server.values().get("is_bot"));
        assertNull(server.values().get("browser"), "a server's User-Agent is not a browser");
    }

    @Test
    void datacenterAddressesAndTheDropAction(@TempDir Path dir) throws Exception {
        Path cidrs = dir.resolve("dc.txt");
        Files.writeString(cidrs, "203.0.113.0/24\n", StandardCharsets.UTF_8);
        TrackerConfig flag = TrackerConfig.standard().withEnrich(new EnrichConfig(EnrichConfig.UserAgent.standard(),
                new EnrichConfig.Bots(true, "flag", "", cidrs.toString(), false), EnrichConfig.Channels.standard(),
                EnrichConfig.Country.standard()));
        assertEquals("ip:datacenter", run(pipeline(flag), get(Route.PIXEL, "ename=pv", IPHONE, "203.0.113.50"))
                .values().get("bot_reason"));
        TrackerConfig drop = flag.withEnrich(new EnrichConfig(EnrichConfig.UserAgent.standard(),
                new EnrichConfig.Bots(true, "drop", "", cidrs.toString(), false), EnrichConfig.Channels.standard(),
                EnrichConfig.Country.standard()));
        EventPipeline dropping = pipeline(drop);
        assertNull(run(dropping, get(Route.PIXEL, "ename=pv", IPHONE, "203.0.113.50")));
        assertNotNull(run(dropping, get(Route.PIXEL, "ename=pv", IPHONE, "198.51.100.1")));
        assertEquals(1.0, registry.get("tracker.events.dropped").tags("step", "bots", "reason", "bot").counter().count());
    }

    @Test
    void offMeansTheGoPipeline() throws Exception {
        EventContext e = run(pipeline(TrackerConfig.standard().withEnrich(EnrichConfig.off())),
                get(Route.PIXEL, "ename=pv&tz=Europe%2FBerlin&last=https%3A%2F%2Fwww.google.com%2F", IPHONE, "10.0.0.1"));
        for (String k : List.of("browser", "device", "is_bot", "channel", "referrer_host", "country")) {
            assertFalse(e.values().containsKey(k), k);
        }
    }

    @Test
    void stepsAreTimed() throws Exception {
        EventPipeline p = pipeline(TrackerConfig.standard());
        for (int i = 0; i < 2000; i++) {
            run(p, get(Route.PIXEL, "ename=pv", IPHONE, "10.0.0.1"));
        }
        long timed = registry.get("tracker.pipeline.step").tags("step", "user-agent").timer().count();
        assertEquals(true, timed > 0 && timed < 2000, "sampled: " + timed);
    }
}
