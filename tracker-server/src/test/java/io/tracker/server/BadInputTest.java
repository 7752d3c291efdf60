package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input gets a 4xx with a JSON reason, the server keeps serving, and events accepted before and
 * after are all stored.
 */
class BadInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    private Tracker tracker;
    private String base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        tracker = TestTrackers.start(dataDir, t -> ((ObjectNode) t.get("server"))
                .put("maxBodyBytes", 4096).put("maxHeaderBytes", 2048).put("requestTimeoutSeconds", 1)
                .put("maxConnections", 4));
        base = "http://127.0.0.1:" + tracker.port();
    }

    @AfterEach
    void stop() {
        tracker.stop();
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, byte[] body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    private static void assertJsonError(HttpResponse<String> r, int status, String code) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null));
        JsonNode body = JSON.readTree(r.body());
        assertEquals(code, body.get("code").asText());
        assertTrue(body.get("error").asText().length() > 5, "a readable reason");
    }

    private void track(String ename) throws Exception {
        assertEquals(200, send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/tr/?ename=" + ename))).statusCode());
    }

    @Test
    void rejectsMalformedBodiesWith400AndKeepsEverythingAccepted() throws Exception {
        track("before");
        assertJsonError(post("/tr/v1/tr/", "{\"ename\": ".getBytes(StandardCharsets.UTF_8)), 400, "invalid_json");
        assertJsonError(post("/tr/v1/str/", "\"just a string\"".getBytes(StandardCharsets.UTF_8)), 400, "not_an_object");
        assertJsonError(post("/tr/v1/tr/", "[{\"ename\":\"ok\"}, 3]".getBytes(StandardCharsets.UTF_8)), 400, "not_an_object");
        assertJsonError(post("/tr/v1/tr/", new byte[] {'{', '"', 'e', '"', ':', '"', (byte) 0xff, '"', '}'}), 400, "bad_utf8");
        assertJsonError(send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/tr/?ename=%E0%A4"))), 400, "bad_utf8");
        assertJsonError(send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/tr/")).header("User", "{nope")), 400,
                "bad_user_header");
        track("after");
        tracker.stop();
        assertEquals(2, TestTrackers.count(dataDir, "SELECT count(*) FROM events"));
        assertEquals(2, TestTrackers.count(dataDir, "SELECT count(*) FROM events WHERE ename IN ('before', 'after')"));
    }

    @Test
    void rejectsOversizedBodyWith413() throws Exception {
        track("before");
        byte[] big = ("{\"ename\":\"" + "x".repeat(5000) + "\"}").getBytes(StandardCharsets.UTF_8);
        assertJsonError(post("/tr/v1/tr/", big), 413, "body_too_large");
        track("after");
        tracker.stop();
        assertEquals(2, TestTrackers.count(dataDir, "SELECT count(*) FROM events"));
    }

    @Test
    void rejectsUnknownRoutesAndWrongMethods() throws Exception {
        assertJsonError(send(HttpRequest.newBuilder(URI.create(base + "/favicon.ico"))), 404, "not_found");
        assertJsonError(send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/nope/"))), 404, "not_found");
        HttpResponse<String> del = send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/tr/")).DELETE());
        assertJsonError(del, 405, "method_not_allowed");
        assertTrue(del.headers().firstValue("allow").orElse("").contains("POST"));
        assertJsonError(post("/tr/v1/img/", new byte[0]), 405, "method_not_allowed");
        assertJsonError(post("/health", new byte[0]), 405, "method_not_allowed");
        tracker.stop();
        assertEquals(0, TestTrackers.count(dataDir, "SELECT count(*) FROM events"));
    }

    @Test
    void rejectsOversizedHeadersWith431() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/tr/?ename=x"))
                .header("X-Padding", "p".repeat(4000)));
        assertJsonError(r, 431, "headers_too_large");
        track("after");
    }

    @Test
    void answersASlowClientWith408AndKeepsServing() throws Exception {
        try (Socket s = new Socket("127.0.0.1", tracker.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("POST /tr/v1/tr/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"ename\":".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = readAll(s.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 408"), response);
            assertTrue(response.contains("\"code\":\"request_timeout\""), response);
        }
        track("after");
        tracker.stop();
        assertEquals(1, TestTrackers.count(dataDir, "SELECT count(*) FROM events"));
    }

    @Test
    void answersConnectionsAboveTheLimitWith503AndRetryAfter() throws Exception {
        Socket[] held = new Socket[4];
        try {
            for (int i = 0; i < held.length; i++) {
                held[i] = new Socket("127.0.0.1", tracker.port());
            }
            Thread.sleep(200); // let the server register them
            try (Socket over = new Socket("127.0.0.1", tracker.port())) {
                over.setSoTimeout(5000);
                over.getOutputStream().write("GET /tr/v1/tr/?ename=over HTTP/1.1\r\nHost: x\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                String response = readAll(over.getInputStream());
                assertTrue(response.startsWith("HTTP/1.1 503"), response);
                assertTrue(response.toLowerCase().contains("retry-after: 1"), response);
            }
        } finally {
            for (Socket s : held) {
                if (s != null) {
                    s.close();
                }
            }
        }
        Thread.sleep(200);
        track("after");
        tracker.stop();
        assertEquals(1, TestTrackers.count(dataDir, "SELECT count(*) FROM events"), "the refused hit was not recorded");
    }

    @Test
    void pipelinedRequestsAreAnsweredInTheOrderTheyWereSent() throws Exception {
        // The case: a wal-durable POST answers after its fsync, /ping at once; /ping used to overtake it.
        StringBuilder wire = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            String body = "{\"ename\":\"p" + i + "\"}";
            wire.append("POST /tr/v1/str/ HTTP/1.1\r\nHost: t\r\nContent-Length: ").append(body.length())
                    .append("\r\n\r\n").append(body);
            wire.append("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
        }
        wire.append("GET /ping HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        String answers;
        try (Socket s = new Socket("127.0.0.1", tracker.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(wire.toString().getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            answers = readAll(s.getInputStream());
        }
        java.util.List<String> kinds = new java.util.ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{\"eid\"|pong").matcher(answers);
        while (m.find()) {
            kinds.add(m.group().equals("pong") ? "ping" : "str");
        }
        java.util.List<String> expected = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            expected.add("str");
            expected.add("ping");
        }
        expected.add("ping");
        assertEquals(expected, kinds, "one answer per request, in request order");
        tracker.stop();
        assertEquals(20, TestTrackers.count(dataDir, "SELECT count(*) FROM events"));
    }

    @Test
    void aPipelinedOversizedRequestIsRefusedAfterTheAnswersBeforeIt() throws Exception {
        String body = "{\"ename\":\"first\"}";
        String big = "x".repeat(5_000);
        String wire = "POST /tr/v1/str/ HTTP/1.1\r\nHost: t\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
                + "POST /tr/v1/str/ HTTP/1.1\r\nHost: t\r\nContent-Length: " + big.length() + "\r\n\r\n" + big;
        String answers;
        try (Socket s = new Socket("127.0.0.1", tracker.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(wire.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            answers = readAll(s.getInputStream());
        }
        int ok = answers.indexOf("HTTP/1.1 200");
        int tooLarge = answers.indexOf("HTTP/1.1 413");
        assertTrue(ok >= 0 && tooLarge > ok, "the first request's answer first, then the 413: " + answers);
        tracker.stop();
        assertEquals(1, TestTrackers.count(dataDir, "SELECT count(*) FROM events"));
    }

    @Test
    void aRequestWithBothContentLengthAndTransferEncodingIsRefusedAndTheConnectionClosed() throws Exception {
        // A front proxy framing by Content-Length would forward the "smuggled" request as part of this body.
        String smuggled = "GET /tr/v1/tr/?ename=smuggled HTTP/1.1\r\nHost: t\r\n\r\n";
        String chunk = "0\r\n\r\n";
        String wire = "POST /tr/v1/str/ HTTP/1.1\r\nHost: t\r\nContent-Length: " + (chunk.length() + smuggled.length())
                + "\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + smuggled;
        String answer;
        try (Socket s = new Socket("127.0.0.1", tracker.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(wire.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            answer = readAll(s.getInputStream()); // returns only because the server closes
        }
        assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        assertTrue(answer.contains("malformed_request"), answer);
        assertEquals(1, java.util.regex.Pattern.compile("(?m)^HTTP/1\\.1 \\d{3}").matcher(answer).results().count(),
                "exactly one answer: the smuggled request never ran: " + answer);
        track("after");
        tracker.stop();
        assertEquals(1, TestTrackers.count(dataDir, "SELECT count(*) FROM events"));
    }

    private static String readAll(InputStream in) throws Exception {
        return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
}
