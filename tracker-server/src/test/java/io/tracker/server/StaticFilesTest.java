package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /tr/v1/pub/}: types, revalidation, ranges, gzip, index files — and nothing outside the directory, ever. */
class StaticFilesTest {
    @TempDir
    Path work;
    private Path pub;
    private Tracker tracker;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private static final String JS = "/* tracker */ " + "window.t=function(){return 42};\n".repeat(100);

    @BeforeEach
    void start() throws Exception {
        pub = Files.createDirectories(work.resolve("public"));
        Files.writeString(pub.resolve("t.js"), JS);
        Files.write(pub.resolve("pixel.gif"), new byte[] {71, 73, 70, 56, 57, 97, 1, 0, 1, 0});
        Files.createDirectories(pub.resolve("docs"));
        Files.writeString(pub.resolve("docs/index.html"), "<h1>docs</h1>");
        Files.createDirectories(pub.resolve("empty"));
        Files.writeString(work.resolve("secret.txt"), "TOP SECRET");
        Files.createSymbolicLink(pub.resolve("leak.txt"), work.resolve("secret.txt"));
        Files.createSymbolicLink(pub.resolve("up"), work);
        Files.createDirectories(pub.resolve(".git"));
        Files.writeString(pub.resolve(".git/config"), "[remote] url=TOP SECRET");
        Files.writeString(pub.resolve(".env"), "TOKEN=TOP SECRET");
        Files.writeString(pub.resolve("a+b.txt"), "plus");
        tracker = TestTrackers.start(work.resolve("data"), c -> ((ObjectNode) c.get("static"))
                .put("directory", pub.toString()).put("cacheControl", "public, max-age=60"));
    }

    @AfterEach
    void stop() {
        if (tracker != null) {
            tracker.stop();
        }
    }

    private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tracker.port() + path));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** A raw request line, so no client normalises the path first. */
    private String raw(String target) throws Exception {
        try (Socket s = new Socket("127.0.0.1", tracker.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void servesFilesWithTypesValidatorsAndCaching() throws Exception {
        HttpResponse<byte[]> js = get("/tr/v1/pub/t.js");
        assertEquals(200, js.statusCode());
        assertEquals(JS, new String(js.body(), StandardCharsets.UTF_8));
        assertEquals("text/javascript; charset=utf-8", js.headers().firstValue("content-type").orElseThrow());
        assertEquals("public, max-age=60", js.headers().firstValue("cache-control").orElseThrow());
        String etag = js.headers().firstValue("etag").orElseThrow();
        String lastModified = js.headers().firstValue("last-modified").orElseThrow();
        assertEquals(304, get("/tr/v1/pub/t.js", "If-None-Match", etag).statusCode());
        assertEquals(304, get("/tr/v1/pub/t.js", "If-Modified-Since", lastModified).statusCode());
        assertEquals(200, get("/tr/v1/pub/t.js", "If-None-Match", "\"other\"").statusCode());

        HttpResponse<byte[]> gz = get("/tr/v1/pub/t.js", "Accept-Encoding", "gzip");
        assertEquals("gzip", gz.headers().firstValue("content-encoding").orElseThrow());
        assertTrue(!gz.headers().firstValue("etag").orElseThrow().equals(etag), "the gzip form has its own validator");
        HttpResponse<byte[]> revalidated = get("/tr/v1/pub/t.js", "If-None-Match", etag);
        assertEquals(304, revalidated.statusCode());
        assertTrue(revalidated.headers().firstValue("vary").orElseThrow().equalsIgnoreCase("accept-encoding"), "Vary on 304 too");
        assertTrue(gz.body().length < JS.length() / 4, "compressed: " + gz.body().length);
        assertArrayEquals(JS.getBytes(StandardCharsets.UTF_8),
                new GZIPInputStream(new ByteArrayInputStream(gz.body())).readAllBytes());

        HttpResponse<byte[]> part = get("/tr/v1/pub/t.js", "Range", "bytes=3-9");
        assertEquals(206, part.statusCode());
        assertEquals(JS.substring(3, 10), new String(part.body(), StandardCharsets.UTF_8));
        assertEquals("bytes 3-9/" + JS.length(), part.headers().firstValue("content-range").orElseThrow());
        HttpResponse<byte[]> tail = get("/tr/v1/pub/t.js", "Range", "bytes=-5");
        assertEquals(JS.substring(JS.length() - 5), new String(tail.body(), StandardCharsets.UTF_8));
        HttpResponse<byte[]> huge = get("/tr/v1/pub/t.js", "Range", "bytes=5-99999999999999999999");
        assertEquals(206, huge.statusCode(), "a last byte beyond any size means the end");
        assertEquals(JS.substring(5), new String(huge.body(), StandardCharsets.UTF_8));
        assertEquals(200, get("/tr/v1/pub/t.js", "Range", "bytes=3-9", "If-Range", "\"stale\"").statusCode(),
                "a stale If-Range gets the whole file");
        assertEquals("plus", new String(get("/tr/v1/pub/a+b.txt").body(), StandardCharsets.UTF_8), "'+' is a plus");
        HttpResponse<byte[]> beyond = get("/tr/v1/pub/t.js", "Range", "bytes=999999-");
        assertEquals(416, beyond.statusCode());
        assertEquals("bytes */" + JS.length(), beyond.headers().firstValue("content-range").orElseThrow());

        assertEquals("image/gif", get("/tr/v1/pub/pixel.gif").headers().firstValue("content-type").orElseThrow());
        HttpResponse<byte[]> docs = get("/tr/v1/pub/docs/");
        assertEquals("<h1>docs</h1>", new String(docs.body(), StandardCharsets.UTF_8), "index.html of a directory");
        HttpResponse<byte[]> noSlash = get("/tr/v1/pub/docs");
        assertEquals(301, noSlash.statusCode());
        assertEquals("/tr/v1/pub/docs/", noSlash.headers().firstValue("location").orElseThrow());
        assertEquals(404, get("/tr/v1/pub/empty/").statusCode(), "no directory listings");
        assertEquals(404, get("/tr/v1/pub/missing.js").statusCode());
        assertEquals(405, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tracker.port()
                + "/tr/v1/pub/t.js")).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        HttpResponse<byte[]> head = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tracker.port()
                + "/tr/v1/pub/t.js")).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, head.statusCode());
        assertEquals(0, head.body().length);
    }

    @Test
    void nothingOutsideTheDirectoryIsEverServed() throws Exception {
        for (String target : List.of(
                "/tr/v1/pub/../secret.txt", "/tr/v1/pub/%2e%2e/secret.txt", "/tr/v1/pub/%2E%2E%2Fsecret.txt",
                "/tr/v1/pub/..%2fsecret.txt", "/tr/v1/pub/..%5csecret.txt", "/tr/v1/pub/..\\secret.txt",
                "/tr/v1/pub/docs/../../secret.txt", "/tr/v1/pub/./t.js/../../secret.txt", "/tr/v1/pub/%00secret.txt",
                "/tr/v1/pub/t.js%00.html", "/tr/v1/pub//etc/passwd", "/tr/v1/pub/%2Fetc%2Fpasswd",
                "/tr/v1/pub/leak.txt", "/tr/v1/pub/up/secret.txt", "/tr/v1/pub/%252e%252e/secret.txt",
                "/tr/v1/pub/%c0%ae%c0%ae/secret.txt", "/tr/v1/pub/.git/config", "/tr/v1/pub/.env",
                "/tr/v1/pub/%2egit/config")) {
            String answer = raw(target);
            assertTrue(!answer.contains("TOP SECRET") && !answer.contains("root:"), target + " leaked:\n" + answer);
            assertTrue(answer.startsWith("HTTP/1.1 404") || answer.startsWith("HTTP/1.1 400"), target + ":\n" + answer);
        }
        assertTrue(raw("/tr/v1/pub/t.js").startsWith("HTTP/1.1 200"), "the server still serves");
    }

    @Test
    void aStaticDirectoryHoldingTheConfigOrTheDataIsRefused() throws Exception {
        tracker.stop();
        tracker = null;
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> TestTrackers.start(
                work.resolve("data"), c -> ((ObjectNode) c.get("static")).put("directory", ".")));
        assertTrue(e.getMessage().contains("static.directory"), e.getMessage());
        Exception e2 = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> TestTrackers.start(
                work.resolve("data"), c -> ((ObjectNode) c.get("static")).put("directory", work.toString())));
        assertTrue(e2.getMessage().contains("static.directory"), e2.getMessage());
    }

    @Test
    void withStaticTrackEveryFileServedIsAServerEventAndAPrefixOfItsOwnWorks() throws Exception {
        tracker.stop();
        tracker = TestTrackers.start(work.resolve("data2"), c -> ((ObjectNode) c.get("static"))
                .put("directory", pub.toString()).put("prefix", "/assets/").put("track", true));
        assertEquals(200, get("/assets/t.js").statusCode());
        assertEquals(200, get("/assets/docs/?campaign=x").statusCode());
        assertEquals(404, get("/assets/nope.js").statusCode());
        assertEquals(404, get("/tr/v1/pub/t.js").statusCode(), "served under static.prefix only");
        assertEquals(301, get("/assets/docs").statusCode());
        tracker.stop();
        tracker = null;
        assertEquals(2, TestTrackers.count(work.resolve("data2"), "SELECT count(*) FROM events WHERE etyp = 'static'"));
    }
}
