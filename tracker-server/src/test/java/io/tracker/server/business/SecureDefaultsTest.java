package io.tracker.server.business;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.core.privacy.Hashes;
import io.tracker.server.Tracker;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the default configuration must not allow: open redirects, cross-site admin calls, unkeyed hashes of PII. */
class SecureDefaultsTest {
    private static final String TOKEN = "admin-token-for-tests";

    @TempDir
    Path dataDir;
    private Tracker tracker;
    private Http http;

    private void boot(Consumer<ObjectNode> tweak) throws Exception {
        tracker = io.tracker.server.TestAccess.start(dataDir, c -> {
            ((ObjectNode) c.get("admin")).put("token", TOKEN);
            tweak.accept(c);
        });
        http = new Http(tracker.port());
    }

    @AfterEach
    void stop() {
        if (tracker != null) {
            tracker.stop();
        }
    }

    private static String rdr(String url, String sig) {
        return "/tr/v1/rdr/?url=" + URLEncoder.encode(url, StandardCharsets.UTF_8) + (sig == null ? "" : "&sig=" + sig);
    }

    @Test
    void redirectsAreClosedByDefaultAndOpenOnlyToSignedTargets() throws Exception {
        boot(c -> { });
        HttpResponse<String> open = http.get(rdr("https://evil.example/", null));
        assertEquals(400, open.statusCode(), "no allowed hosts and no signature: no redirect");
        assertEquals("bad_redirect", Http.json(open).get("code").asText());

        HttpResponse<String> signed = http.post("/tr/v1/rpi/sign", "{\"url\":\"https://shop.example.org/sale?x=1\"}",
                "Authorization", Http.bearer(TOKEN));
        assertEquals(200, signed.statusCode(), signed.body());
        String link = Http.json(signed).get("link").asText();
        String sig = Http.json(signed).get("sig").asText();
        HttpResponse<String> go = http.get(link);
        assertEquals(302, go.statusCode(), go.body());
        assertEquals("https://shop.example.org/sale?x=1", go.headers().firstValue("location").orElseThrow());
        assertEquals(400, http.get(rdr("https://shop.example.org/sale?x=2", sig)).statusCode(), "a signature is per URL");
        assertEquals(400, http.get(rdr("https://shop.example.org/sale?x=1", sig.substring(1) + "A")).statusCode());
        assertEquals(401, http.post("/tr/v1/rpi/sign", "{\"url\":\"https://a.example/\"}").statusCode());
        tracker.stop();

        boot(c -> ((ObjectNode) c.get("links")).put("openRedirect", true));
        assertEquals(302, http.get(rdr("https://evil.example/", null)).statusCode(), "the Go behaviour, when asked for");
        assertEquals(302, http.get(link).statusCode(), "the secret lives in the data directory: links survive restarts");
    }

    @Test
    void adminRoutesNeverEchoAnOriginAndRefuseOtherPages() throws Exception {
        boot(c -> ((ObjectNode) c.get("admin")).putArray("allowedOrigins").add("https://admin.example.com"));
        String subject = "/tr/v1/ppi/subject?vid=0190c8a4-5d2b-7c3e-9f00-5a1b2c3d4e5f";
        HttpResponse<String> evil = http.get(subject, "Origin", "https://evil.example", "Authorization", Http.bearer(TOKEN));
        assertEquals(403, evil.statusCode(), evil.body());
        assertEquals("cross_origin", Http.json(evil).get("code").asText());
        assertTrue(evil.headers().firstValue("access-control-allow-origin").isEmpty());
        assertTrue(evil.headers().firstValue("access-control-allow-credentials").isEmpty());

        HttpResponse<String> preflight = http.send("OPTIONS", subject, null, "Origin", "https://evil.example",
                "Access-Control-Request-Method", "DELETE", "Access-Control-Request-Headers", "authorization");
        assertTrue(preflight.headers().firstValue("access-control-allow-origin").isEmpty(),
                "the browser never sends the DELETE");

        HttpResponse<String> listed = http.get(subject, "Origin", "https://admin.example.com", "Authorization",
                Http.bearer(TOKEN));
        assertEquals(200, listed.statusCode(), listed.body());
        assertEquals("https://admin.example.com", listed.headers().firstValue("access-control-allow-origin").orElseThrow());
        assertEquals(200, http.get(subject, "Authorization", Http.bearer(TOKEN)).statusCode(), "curl has no Origin");
        HttpResponse<String> crossSite = http.get(subject, "Sec-Fetch-Site", "cross-site", "Authorization",
                Http.bearer(TOKEN));
        assertEquals(403, crossSite.statusCode());
        String self = "http://127.0.0.1:" + tracker.port();
        assertEquals(200, http.get("/tr/v1/rpi/keys", "Origin", self, "Sec-Fetch-Site", "same-origin", "Authorization",
                Http.bearer(TOKEN)).statusCode(), "the tracker's own pages (the dashboard) may read what they show");
        assertEquals(403, http.get("/tr/v1/rpi/keys", "Origin", self, "Authorization", Http.bearer(TOKEN)).statusCode(),
                "same origin only when the browser says so");
        assertEquals(403, http.get("/tr/v1/rpi/keys", "Origin", "https://evil.example", "Sec-Fetch-Site", "same-origin",
                "Authorization", Http.bearer(TOKEN)).statusCode(), "and the Origin names the host asked");
        assertEquals(403, http.get("/tr/v1/rpi/keys", "Origin", "http://127.0.0.1:1", "Sec-Fetch-Site", "same-origin",
                "Authorization", Http.bearer(TOKEN)).statusCode(), "another port is another origin");
        assertEquals(403, http.get(subject, "Origin", self, "Sec-Fetch-Site", "same-origin", "Authorization",
                Http.bearer(TOKEN)).statusCode(), "nothing else: static files and proxied pages share the origin");
        assertEquals(403, http.post("/tr/v1/rpi/keys", "{\"oid\":\"0190c8a4-5d2b-7c3e-9f00-5a1b2c3d4e5f\",\"scopes\":[\"ingest\"]}",
                "Origin", self, "Sec-Fetch-Site", "same-origin", "Authorization", Http.bearer(TOKEN)).statusCode(),
                "no write from a page of the tracker's origin");

        HttpResponse<String> refund = http.post("/tr/v1/ltv/", "{\"uid\":\"0190c8a4-5d2b-7c3e-9f00-5a1b2c3d4e5f\",\"amt\":-5}",
                "Origin", "https://evil.example", "Authorization", Http.bearer(TOKEN));
        assertEquals(403, refund.statusCode(), "a cached credential cannot be spent by another site");

        HttpResponse<String> tracking = http.get("/tr/v1/tr/?ename=x", "Origin", "https://shop.example");
        assertEquals("https://shop.example", tracking.headers().firstValue("access-control-allow-origin").orElseThrow(),
                "tracking routes keep today's behaviour");
    }

    @Test
    void theVidCookieIsSecureOnHttpsBehindATrustedProxyAndConfigurable() throws Exception {
        boot(c -> ((ObjectNode) c.get("server")).put("trustProxyHeaders", true));
        String plain = http.get("/tr/v1/tr/?ename=a").headers().firstValue("set-cookie").orElseThrow();
        assertFalse(plain.contains("Secure"), plain);
        assertTrue(plain.contains("SameSite=Lax") && !plain.contains("HTTPOnly"), plain);
        String https = http.get("/tr/v1/tr/?ename=b", "X-Forwarded-Proto", "https").headers().firstValue("set-cookie")
                .orElseThrow();
        assertTrue(https.contains("Secure"), https);
        tracker.stop();
        boot(c -> ((ObjectNode) c.get("tracking")).put("cookieSameSite", "Strict").put("cookieSecure", "always")
                .put("cookieHttpOnly", true));
        String strict = http.get("/tr/v1/img/?ename=c").headers().firstValue("set-cookie").orElseThrow();
        assertTrue(strict.contains("SameSite=Strict") && strict.contains("Secure") && strict.contains("HTTPOnly"), strict);
    }

    @Test
    void ipAndEmailHashesAreKeyedAndDropModeStoresNoIpHash() throws Exception {
        boot(c -> { });
        assertEquals(200, http.post("/tr/v1/str/", "{\"ename\":\"a\",\"email\":\"Someone@Example.com\"}",
                "X-Forwarded-For", "203.0.113.77").statusCode());
        List<String[]> rows = rows("SELECT iphash, params->>'ehash' FROM events");
        assertEquals(1, rows.size());
        assertNotNull(rows.get(0)[0]);
        assertEquals("2eauxqsti0h26dc3qe1mfglks", goIpHash("127.0.0.1"), "the Go vector (spec §4.2)");
        assertNotEquals(goIpHash("127.0.0.1"), rows.get(0)[0], "not the Go tracker's unkeyed FNV of the IP");
        String ehash = rows.get(0)[1];
        assertNotEquals(Hashes.piiHash("", "someone@example.com"), ehash, "no unsalted hash of an e-mail address");

        boot(c -> { });
        assertEquals(200, http.post("/tr/v1/str/", "{\"ename\":\"b\",\"email\":\"someone@example.com\"}").statusCode());
        List<String[]> again = rows("SELECT iphash, params->>'ehash' FROM events WHERE ename = 'b'");
        assertEquals(ehash, again.get(0)[1], "the generated salt is kept: the same person hashes alike after a restart");

        boot(c -> ((ObjectNode) c.get("privacy")).put("ipMode", "drop"));
        assertEquals(200, http.post("/tr/v1/str/", "{\"ename\":\"c\"}").statusCode());
        List<String[]> dropped = rows("SELECT iphash, ip FROM events WHERE ename = 'c'");
        assertNull(dropped.get(0)[0], "drop means nothing of the IP, its hash included");
        assertNull(dropped.get(0)[1]);
        assertFalse(java.nio.file.Files.readString(dataDir.resolve("secret.key")).isBlank());
    }

    /** The Go tracker's iphash (spec §4.2): a 4-round FNV chain anyone can compute for every IPv4 address. */
    private static String goIpHash(String ip) {
        String h = Hashes.fnv36(ip);
        for (int i = 0; i < 3; i++) {
            h = h + Hashes.fnv36(ip + h);
        }
        return h;
    }

    private List<String[]> rows(String sql) throws Exception {
        tracker.stop();
        tracker = null;
        List<String[]> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dataDir.resolve("tracker.duckdb"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                String[] row = new String[rs.getMetaData().getColumnCount()];
                for (int i = 0; i < row.length; i++) {
                    row[i] = rs.getString(i + 1);
                }
                out.add(row);
            }
        }
        return out;
    }
}
