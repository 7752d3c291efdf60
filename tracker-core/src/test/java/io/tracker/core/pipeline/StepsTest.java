package io.tracker.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tracker.core.config.TrackerConfig;
import io.tracker.core.pipeline.steps.PathPairsStep;
import io.tracker.core.pipeline.steps.QueryStep;
import io.tracker.core.pipeline.steps.UrlStep;
import io.tracker.core.privacy.Hashes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Each pipeline step, through the standard pipeline so precedence is covered too. */
class StepsTest {
    private final ObjectMapper mapper = new ObjectMapper();
    private final EventPipeline pipeline =
            EventPipeline.standard(TrackerConfig.standard(), mapper, new EventIds(), new SimpleMeterRegistry());

    private EventContext run(HitRequest r) throws BadRequestException {
        ObjectNode body = r.body().length == 0 ? null : (ObjectNode) HitBody.parse(mapper, r.body(), 10).get(0);
        return pipeline.run(r, body);
    }

    @Test
    void pathSegmentsBecomePairsAfterTheRoutePrefix() throws Exception {
        EventContext e = run(Hits.get(Route.TRACK, "vid/ABC/ename/Click/etyp", null));
        assertEquals("abc", e.values().get("vid"));
        assertEquals("click", e.values().get("ename"));
        assertFalse(e.values().containsKey("etyp"), "odd trailing segment is ignored");
        assertFalse(e.values().containsKey("v1"), "the Go tracker's stray v1→tr pair is not produced");
    }

    @Test
    void pathPairsArePercentDecodedAndHashKeysKeepCase() throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        PathPairsStep.parse("EName/Hello%20World/ehash/AbC%3D", true, out);
        assertEquals(Map.of("ename", "hello world", "ehash", "AbC="), out);
    }

    @Test
    void queryStripsUtmPrefixAndLowercases() throws Exception {
        EventContext e = run(Hits.get(Route.TRACK, "", "utm_source=News&UTM_Medium=Email&utm_campaign=Spring+Sale&x=Y"));
        assertEquals("news", e.values().get("source"));
        assertEquals("email", e.values().get("medium"));
        assertEquals("spring sale", e.values().get("campaign"));
        assertEquals("y", e.values().get("x"));
        assertEquals("source", QueryStep.normaliseKey("utm_source"));
    }

    @Test
    void queryIsSkippedWhenIgnoreKeyPresent() throws Exception {
        EventContext e = run(Hits.get(Route.TRACK, "", "ename=a&igqp=1"));
        assertNull(e.values().get("ename"));
    }

    @Test
    void firstQueryValueWins() throws Exception {
        EventContext e = run(Hits.get(Route.TRACK, "", "ename=first&ename=second"));
        assertEquals("first", e.values().get("ename"));
    }

    @Test
    void badUtf8InQueryIsRejected() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> run(Hits.get(Route.TRACK, "", "ename=%C3%28")));
        assertEquals("bad_utf8", e.reason());
        assertThrows(BadRequestException.class, () -> run(Hits.get(Route.TRACK, "", "ename=%G1")));
    }

    @Test
    void cookiesProvideVidSidAndConsent() throws Exception {
        UUID vid = UUID.randomUUID();
        UUID sid = UUID.randomUUID();
        EventContext e = run(Hits.withCookies(Hits.get(Route.TRACK, "", null),
                Map.of("vid", vid.toString(), "sid", sid.toString(), "CookieConsent", "1028")));
        assertEquals(vid, e.vid());
        assertEquals(sid, e.sid());
        assertFalse(e.isNewVisitor());
        assertEquals(1028L, e.values().get("cflags"));
    }

    @Test
    void nonNumericConsentCookieIsIgnored() throws Exception {
        EventContext e = run(Hits.withCookies(Hits.get(Route.TRACK, "", null), Map.of("CookieConsent", "yes")));
        assertNull(e.values().get("cflags"));
    }

    @Test
    void theReservedFenceIdIsNoClientsId() throws Exception {
        EventContext e = run(Hits.post(Route.TRACK, "{\"vid\":\"" + EventIds.RESERVED + "\",\"ename\":\"Buy\"}"));
        assertNotEquals(EventIds.RESERVED, e.vid(), "a new visitor id, as for any invalid one");
        assertTrue(e.isNewVisitor());
        assertNull(EventIds.parse(EventIds.RESERVED.toString()));
        assertEquals(UUID.fromString("00000000-0000-0000-0000-0000000fe0cf"),
                EventIds.parse("00000000-0000-0000-0000-0000000fe0cf"));
    }

    @Test
    void bodyOverridesQueryAndPathAndCookies() throws Exception {
        UUID cookieVid = UUID.randomUUID();
        UUID bodyVid = UUID.randomUUID();
        HitRequest r = Hits.withCookies(Hits.post(Route.TRACK, "{\"vid\":\"" + bodyVid + "\",\"ename\":\"Buy\"}"),
                Map.of("vid", cookieVid.toString()));
        EventContext e = run(r);
        assertEquals(bodyVid, e.vid());
        assertEquals("buy", e.values().get("ename"));
    }

    @Test
    void userHeaderHasLowestPrecedenceAndMustBeAnObject() throws Exception {
        EventContext e = run(Hits.withUserHeader(Hits.get(Route.TRACK, "", "uid=x"), "{\"uid\":\"y\",\"org\":\"Acme\"}"));
        assertEquals("x", e.values().get("uid"));
        assertEquals("Acme", e.values().get("org"));
        assertThrows(BadRequestException.class,
                () -> run(Hits.withUserHeader(Hits.get(Route.TRACK, "", null), "[1,2]")));
    }

    @Test
    void contentBecomesEnameWhenEnameMissing() throws Exception {
        EventContext e = run(Hits.get(Route.TRACK, "", "content=Signup"));
        assertEquals("signup", e.values().get("ename"));
        assertFalse(e.values().containsKey("content"));
        EventContext both = run(Hits.get(Route.TRACK, "", "content=a&ename=b"));
        assertEquals("b", both.values().get("ename"));
        assertEquals("a", both.values().get("content"));
    }

    @Test
    void clientEidIsKeptWhenValidElseTimeOrderedIdGenerated() throws Exception {
        UUID eid = UUID.randomUUID();
        assertEquals(eid, run(Hits.post(Route.SERVER, "{\"eid\":\"" + eid + "\"}")).eid());
        UUID generated = run(Hits.post(Route.SERVER, "{\"eid\":\"not-a-uuid\"}")).eid();
        assertEquals(7, generated.version());
        UUID later = run(Hits.post(Route.SERVER, "{}")).eid();
        assertTrue(later.toString().compareTo(generated.toString()) > 0, "v7 ids sort by creation time");
    }

    @Test
    void missingVidIsGeneratedAndSidDefaultsToIt() throws Exception {
        EventContext e = run(Hits.get(Route.TRACK, "", null));
        assertTrue(e.isNewVisitor());
        assertEquals(e.vid(), e.sid());
        UUID vid = UUID.randomUUID();
        EventContext known = run(Hits.get(Route.TRACK, "", "vid=" + vid));
        assertEquals(vid, known.vid());
        assertNotEquals(vid, known.sid());
    }

    @Test
    void piiIsHashedWithSaltAndRawValueRemoved() throws Exception {
        EventContext e = run(Hits.post(Route.SERVER, "{\"email\":\"User@Example.com\",\"cell\":\"+1 555\",\"uname\":\"bob\"}"));
        assertNull(e.values().get("email"));
        assertNull(e.values().get("cell"));
        assertNull(e.values().get("uname"));
        assertEquals(Hashes.sha("user@example.com"), e.values().get("ehash"));
        assertEquals(Hashes.sha("+1 555"), e.values().get("chash"));
        assertEquals(Hashes.sha("bob"), e.values().get("uhash"));
    }

    @Test
    void clientSuppliedHashTakesPrecedence() throws Exception {
        String given = Hashes.sha("someone@example.com");
        EventContext e = run(Hits.post(Route.SERVER, "{\"email\":\"a@b.c\",\"ehash\":\"" + given + "\"}"));
        assertEquals(given, e.values().get("ehash"), "kept as given");
    }

    @Test
    void aClientHashThatIsNoDigestIsHashedHere() throws Exception {
        EventContext e = run(Hits.post(Route.SERVER, "{\"ehash\":\"Bob@Example.com\",\"chash\":\"+1 555 0100\","
                + "\"uhash\":{\"x\":1}}"));
        assertEquals(Hashes.sha("bob@example.com"), e.values().get("ehash"), "never the address");
        assertEquals(Hashes.sha("+1 555 0100"), e.values().get("chash"));
        assertTrue(e.values().get("uhash") instanceof String u && u.length() == 28, "a digest of the text");
    }

    @Test
    void urlIsNormalisedToHostAndPath() throws Exception {
        EventContext e = run(Hits.get(Route.TRACK, "", "url=" + java.net.URLEncoder.encode("HTTPS://Shop.Example.com/Cart?x=1#top", "UTF-8")));
        assertEquals("shop.example.com/cart", e.values().get("url"));
        assertEquals("a.com/x", UrlStep.normalise("https://a.com/x?y"));
        assertEquals("a.com/x", UrlStep.normalise("//a.com/x"));
        assertEquals("/path", UrlStep.normalise("/path?q"));
    }

    @Test
    void requestDerivedValuesOverrideClientValues() throws Exception {
        EventContext e = run(Hits.get(Route.TRACK, "", "hhash=forged&iphash=forged&ip=1.2.3.4"));
        assertEquals(Hashes.hostHash("example.com"), e.values().get("hhash"));
        assertTrue(String.valueOf(e.values().get("iphash")).matches("[0-9a-f]{32}"), "keyed, not the client's");
        assertEquals("127.0.0.0", e.values().get("ip"), "the default ipMode truncates; the client's forged ip is ignored");
        assertEquals(Hashes.browserHash("curl/8.5.0"), e.values().get("bhash"));
        assertEquals("en-us", e.values().get("culture"));
    }

    @Test
    void serverRouteHasNoBrowserHash() throws Exception {
        EventContext e = run(Hits.post(Route.SERVER, "{}"));
        assertNull(e.values().get("bhash"));
    }
}
