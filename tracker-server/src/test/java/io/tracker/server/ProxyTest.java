package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The /api/ reverse proxy against a real local upstream (the JDK's HTTP server): streaming, failures, order, tracking. */
class ProxyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BIG = 48 << 20;

    @TempDir
    Path dir;
    private HttpServer upstream;
    private final AtomicLong uploaded = new AtomicLong();
    private final AtomicLong upstreamAdminHits = new AtomicLong();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void upstream() throws Exception {
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        upstream.setExecutor(Executors.newCachedThreadPool());
        upstream.createContext("/api/echo", this::echo);
        upstream.createContext("/api/login", this::echo);
        upstream.createContext("/admin", x -> {
            upstreamAdminHits.incrementAndGet();
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        upstream.createContext("/api/big", x -> { // 48 MB, chunked, from a seeded generator
            x.sendResponseHeaders(200, 0);
            Random r = new Random(7);
            byte[] buf = new byte[64 * 1024];
            try (OutputStream out = x.getResponseBody()) {
                for (int sent = 0; sent < BIG; sent += buf.length) {
                    r.nextBytes(buf);
                    out.write(buf);
                }
            }
        });
        upstream.createContext("/api/slow", x -> {
            try {
                Thread.sleep(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        upstream.start();
    }

    @AfterEach
    void stop() {
        upstream.stop(0);
    }

    private void echo(HttpExchange x) throws java.io.IOException {
        MessageDigest sha = sha();
        long n = 0;
        try (InputStream in = x.getRequestBody()) {
            byte[] buf = new byte[64 * 1024];
            for (int r; (r = in.read(buf)) > 0; n += r) {
                sha.update(buf, 0, r);
            }
        }
        uploaded.addAndGet(n);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("method", x.getRequestMethod());
        out.put("uri", x.getRequestURI().toString());
        out.put("bytes", n);
        out.put("sha", java.util.HexFormat.of().formatHex(sha.digest()));
        Map<String, String> h = new LinkedHashMap<>();
        x.getRequestHeaders().forEach((k, v) -> h.put(k.toLowerCase(), String.join(",", v)));
        out.put("headers", h);
        byte[] body = JSON.writeValueAsBytes(out);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.getResponseHeaders().set("X-Upstream", "yes");
        x.sendResponseHeaders(200, body.length);
        try (OutputStream o = x.getResponseBody()) {
            o.write(body);
        }
    }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Tracker start(String url, java.util.function.Consumer<ObjectNode> more) throws Exception {
        return TestTrackers.start(dir.resolve("data"), c -> {
            ((ObjectNode) c.get("proxy")).put("url", url).put("responseTimeoutSeconds", 1);
            ((ObjectNode) c.get("api")).put("prefix", "/query/"); // the proxy keeps its default /api/
            more.accept(c);
        });
    }

    private String upstreamUrl() {
        return "http://127.0.0.1:" + upstream.getAddress().getPort();
    }

    @Test
    void relaysPathQueryAndForwardingHeadersAndRecordsWhatTheFilterLetsThrough() throws Exception {
        try (Tracker t = start(upstreamUrl(), c -> { })) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + t.port()
                    + "/api/echo/a%20b?x=1&y=%C3%A9")).header("X-Forwarded-For", "6.6.6.6").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("yes", r.headers().firstValue("x-upstream").orElse(""));
            JsonNode echo = JSON.readTree(r.body());
            assertEquals("/api/echo/a%20b?x=1&y=%C3%A9", echo.get("uri").asText(), "path and query kept, prefix too");
            JsonNode h = echo.get("headers");
            assertEquals("127.0.0.1", h.get("x-forwarded-for").asText(), "a client's own X-Forwarded-For is not relayed");
            assertEquals("localhost:" + t.port(), h.get("x-forwarded-host").asText());
            assertEquals("http", h.get("x-forwarded-proto").asText());
            assertEquals("127.0.0.1:" + upstream.getAddress().getPort(), h.get("host").asText());
            assertEquals("127.0.0.1:" + upstream.getAddress().getPort(), h.get("x-origin-host").asText());

            http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + t.port() + "/api/login")).build(),
                    HttpResponse.BodyHandlers.ofString()); // the shipped filter: relayed, not recorded
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + t.port()
                    + "/api/echo")).POST(HttpRequest.BodyPublishers.ofString("{\"a\":1}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(7, JSON.readTree(post.body()).get("bytes").asLong());
            HttpResponse<String> options = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + t.port()
                    + "/api/echo")).method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "https://a.example")
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, options.statusCode(), "preflights are answered here, as on every route");
        }
        assertEquals(2, TestTrackers.count(dir.resolve("data"), "SELECT count(*) FROM events WHERE etyp = 'proxy'"));
    }

    @Test
    void streamsBodiesBothWaysFarBeyondTheBodyLimit() throws Exception {
        try (Tracker t = start(upstreamUrl(), c -> ((ObjectNode) c.get("server")).put("maxBodyBytes", 65_536))) {
            byte[] upload = new byte[24 << 20];
            new Random(3).nextBytes(upload);
            HttpResponse<String> up = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port()
                    + "/api/echo")).POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, up.statusCode(), up.body());
            JsonNode echo = JSON.readTree(up.body());
            assertEquals(upload.length, echo.get("bytes").asLong());
            assertEquals(java.util.HexFormat.of().formatHex(sha().digest(upload)), echo.get("sha").asText());

            HttpResponse<InputStream> down = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port()
                    + "/api/big")).build(), HttpResponse.BodyHandlers.ofInputStream());
            MessageDigest got = sha();
            long n = 0;
            try (InputStream in = down.body()) {
                byte[] buf = new byte[64 * 1024];
                for (int r; (r = in.read(buf)) > 0; n += r) {
                    got.update(buf, 0, r);
                }
            }
            MessageDigest want = sha();
            Random r = new Random(7);
            byte[] buf = new byte[64 * 1024];
            for (int sent = 0; sent < BIG; sent += buf.length) {
                r.nextBytes(buf);
                want.update(buf);
            }
            assertEquals(BIG, n);
            assertArrayEquals(want.digest(), got.digest());
        }
    }

    @Test
    void aSlowUpstreamIs504ADeadOneIs502AndTheTrackerGoesOn() throws Exception {
        try (Tracker t = start(upstreamUrl(), c -> { })) {
            HttpResponse<String> slow = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port()
                    + "/api/slow")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(504, slow.statusCode());
            assertEquals("upstream_timeout", JSON.readTree(slow.body()).get("code").asText());
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port() + "/api/echo"))
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        }
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        try (Tracker t = start("http://127.0.0.1:" + dead, c -> { })) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port()
                    + "/api/echo")).POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(502, r.statusCode());
            assertEquals("upstream_refused", JSON.readTree(r.body()).get("code").asText());
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port() + "/health"))
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    @Test
    void pipelinedAnswersKeepTheirOrderAndAbsoluteFormIsRefused() throws Exception {
        try (Tracker t = start(upstreamUrl(), c -> { }); Socket s = new Socket("127.0.0.1", t.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /api/echo?n=1 HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "GET /ping HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "POST /api/echo?n=2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                    + "GET /ping HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "GET http://evil.example/api/echo HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int first = all.indexOf("?n=1");
            int pong = all.indexOf("pong");
            int second = all.indexOf("?n=2");
            int pong2 = all.indexOf("pong", second);
            int refused = all.indexOf("absolute_form");
            assertTrue(first > 0 && first < pong && pong < second && second < pong2 && pong2 < refused, all);
            assertTrue(all.contains("\"bytes\":3"), all);
        }
    }

    @Test
    void overH2TheProxyStreamsTooWithHsts() throws Exception {
        TestCerts certs = TestCerts.create("proxy-h2", false);
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        certs.write(cert, key, false);
        try (Tracker t = start(upstreamUrl(), c -> ((ObjectNode) c.get("tls")).put("enabled", true).put("port", 0)
                .put("certFile", cert.toString()).put("keyFile", key.toString()).put("hstsSeconds", 100))) {
            HttpClient h2 = HttpClient.newBuilder().sslContext(TestCerts.trusting(certs.certificate))
                    .version(HttpClient.Version.HTTP_2).build();
            byte[] upload = new byte[3 << 20];
            new Random(5).nextBytes(upload);
            HttpResponse<String> up = h2.send(HttpRequest.newBuilder(URI.create("https://localhost:" + t.tlsPort()
                    + "/api/echo?h2=1")).POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(HttpClient.Version.HTTP_2, up.version());
            assertEquals(200, up.statusCode(), up.body());
            JsonNode echo = JSON.readTree(up.body());
            assertEquals(upload.length, echo.get("bytes").asLong());
            assertEquals("https", echo.get("headers").get("x-forwarded-proto").asText());
            assertEquals("max-age=100", up.headers().firstValue("strict-transport-security").orElse(""));
            HttpResponse<byte[]> down = h2.send(HttpRequest.newBuilder(URI.create("https://localhost:" + t.tlsPort()
                    + "/api/big")).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(BIG, down.body().length);
            HttpResponse<String> get = h2.send(HttpRequest.newBuilder(URI.create("https://localhost:" + t.tlsPort()
                    + "/api/echo")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(0, JSON.readTree(get.body()).get("bytes").asLong());
        }
    }

    @Test
    void framingComesFromTheRequestNeverFromAConnectionListAndNothingIsSmuggled() throws Exception {
        try (Tracker t = start(upstreamUrl(), c -> { }); Socket s = new Socket("127.0.0.1", t.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            // Connection names Content-Length; the body comes after the upstream connection is up, and holds what
            // would be a second request if it went upstream unframed.
            String smuggled = "GET /admin HTTP/1.1\r\nHost: x\r\n\r\n";
            out.write(("POST /api/echo HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Content-Length\r\n"
                    + "Content-Length: " + smuggled.length() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(300);
            out.write((smuggled + "GET /ping HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(all.contains("\"bytes\":" + smuggled.length()), all);
            assertTrue(all.indexOf("pong") > all.indexOf("\"bytes\""), all);
        }
        assertEquals(0, upstreamAdminHits.get(), "the body never reached the upstream as a request");
    }

    @Test
    void pathsThatWouldLeaveThePrefixUpstreamAreRefused() throws Exception {
        try (Tracker t = start(upstreamUrl(), c -> { })) {
            for (String p : new String[] {"/api/../admin", "/api/%2e%2e/admin", "/api/.%2E/admin", "/api/..%2fadmin",
                "/api/a%5cb", "/api/a/./b"}) {
                try (Socket s = new Socket("127.0.0.1", t.port())) {
                    s.setSoTimeout(5_000);
                    s.getOutputStream().write(("GET " + p + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertTrue(answer.startsWith("HTTP/1.1 400") && answer.contains("bad_path"), p + ": " + answer);
                }
            }
        }
        assertEquals(0, upstreamAdminHits.get());
    }

    @Test
    void theTrackersCorsPolicyIsNotPutOnUpstreamAnswers() throws Exception {
        try (Tracker t = start(upstreamUrl(), c -> { })) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port()
                    + "/api/echo")).header("Origin", "https://evil.example").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("access-control-allow-origin").isEmpty(), r.headers().map().toString());
            assertTrue(r.headers().firstValue("access-control-allow-credentials").isEmpty());
            HttpResponse<String> pre = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port()
                    + "/api/echo")).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "https://evil.example").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("OPTIONS", JSON.readTree(pre.body()).get("method").asText(), "preflights are the upstream's");
        }
    }

    @Test
    void aPrefixOverlappingTheApiPrefixFailsTheStartNamingBothKeys() {
        Exception e = assertThrows(Exception.class, () -> TestTrackers.start(dir.resolve("data"), c ->
                ((ObjectNode) c.get("proxy")).put("url", upstreamUrl())));
        assertTrue(e.getMessage().contains("proxy.prefix") && e.getMessage().contains("api.prefix"), e.getMessage());
    }

    @Test
    void aPrefixOverlappingATrackerRouteFailsTheStart() {
        Exception e = assertThrows(Exception.class, () -> TestTrackers.start(dir.resolve("data"), c ->
                ((ObjectNode) c.get("proxy")).put("url", upstreamUrl()).put("prefix", "/tr/v1/api/")));
        assertTrue(e.getMessage().contains("proxy.prefix"), e.getMessage());
    }
}
