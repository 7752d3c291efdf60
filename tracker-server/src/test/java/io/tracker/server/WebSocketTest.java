package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /tr/v1/ws} with real clients: the JDK's WebSocket client (text frames, the Go client's size-prepended LZ4
 * binary frames made with lz4-java, garbage mid-stream, ack mode, 100,000 frames) and Node's {@code ws} with
 * {@code lz4-wasm-nodejs} from npm — the same lz4_flex build as the Go tracker's browser client — over
 * permessage-deflate. Rows are counted in DuckDB.
 */
class WebSocketTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;
    private Tracker tracker;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void stop() {
        if (tracker != null) {
            tracker.stop();
        }
    }

    /** The Go client's binary frame: uint32 LE uncompressed length + a raw LZ4 block. */
    static byte[] lz4Frame(String json) {
        byte[] raw = json.getBytes(StandardCharsets.UTF_8);
        byte[] block = LZ4Factory.fastestInstance().fastCompressor().compress(raw);
        return ByteBuffer.allocate(4 + block.length).order(ByteOrder.LITTLE_ENDIAN).putInt(raw.length).put(block).array();
    }

    /** Collects text messages (acks). */
    private static final class Acks implements WebSocket.Listener {
        final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        private final StringBuilder part = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            part.append(data);
            if (last) {
                messages.add(part.toString());
                part.setLength(0);
            }
            ws.request(1);
            return null;
        }

        JsonNode next() throws Exception {
            String m = messages.poll(20, TimeUnit.SECONDS);
            assertTrue(m != null, "an answer within 20 s");
            return JSON.readTree(m);
        }
    }

    private WebSocket connect(String query, Acks acks, String... headers) {
        WebSocket.Builder b = http.newWebSocketBuilder();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b.buildAsync(URI.create("ws://127.0.0.1:" + tracker.port() + "/tr/v1/ws" + query), acks).join();
    }

    @Test
    void textAndLz4FramesBecomeEventsWithTheUpgradeRequestsCookiesAndQueryAndBadFramesAreSkipped() throws Exception {
        tracker = TestTrackers.start(dataDir, c -> { });
        UUID vid = UUID.randomUUID();
        Acks acks = new Acks();
        WebSocket ws = connect("?ack=1&utm_source=NewsLetter", acks, "Cookie", "vid=" + vid, "User-Agent", "Mozilla/5.0 test");
        ws.sendText("{\"ename\":\"Page_View\",\"url\":\"https://Shop.example.com/Cart\"}", true).join();
        ws.sendBinary(ByteBuffer.wrap(lz4Frame("{\"ename\":\"Lz4_Event\",\"plan\":\"Pro\"}")), true).join();
        ws.sendBinary(ByteBuffer.wrap(new byte[] {20, 0, 0, 0, 1, 2, 3, 4, 5}), true).join(); // corrupt block
        ws.sendBinary(ByteBuffer.wrap(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, 1}), true).join(); // 2 GB
        ws.sendText("{not json", true).join();
        ws.sendText("[{\"ename\":\"a\"},{\"ename\":\"b\"}]", true).join();
        ws.sendText("{\"ename\":\"after_garbage\"}", true).join();

        assertEquals(1, acks.next().get("eids").size(), "text frame");
        assertEquals(1, acks.next().get("eids").size(), "LZ4 frame");
        assertEquals("lz4_corrupt", acks.next().get("code").asText());
        assertEquals("lz4_too_large", acks.next().get("code").asText());
        assertEquals("invalid_json", acks.next().get("code").asText());
        assertEquals(2, acks.next().get("eids").size(), "an array: several events");
        assertEquals(1, acks.next().get("eids").size(), "the connection survived the garbage");
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
        tracker.stop();
        tracker = null;

        List<Map<String, Object>> rows = TestTrackers.query(dataDir,
                "SELECT ename, vid, source, url, params->>'plan' AS plan FROM events ORDER BY eid"); // time-ordered UUIDv7: frame order
        assertEquals(List.of("Page_View", "Lz4_Event", "a", "b", "after_garbage"),
                rows.stream().map(r -> r.get("ename")).toList(), "values keep their case on this route (spec §3)");
        for (Map<String, Object> r : rows) {
            assertEquals(vid, r.get("vid"), "the upgrade request's cookie describes every event");
            assertEquals("NewsLetter", r.get("source"), "its query too (utm_ stripped)");
        }
        assertEquals("Pro", rows.get(1).get("plan"));
    }

    @Test
    void aConnectionWithoutAVidGetsOneForAllItsEventsAndPlainGetsAre400() throws Exception {
        tracker = TestTrackers.start(dataDir, c -> { });
        HttpResponse<String> plain = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tracker.port()
                + "/tr/v1/ws")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, plain.statusCode());
        assertEquals("not_websocket", JSON.readTree(plain.body()).get("code").asText());
        HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tracker.port()
                + "/tr/v1/ws")).method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "https://a.example")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, preflight.statusCode());

        Acks acks = new Acks();
        WebSocket ws = connect("?ack=1", acks);
        for (int i = 0; i < 3; i++) {
            ws.sendText("{\"ename\":\"e" + i + "\"}", true).join();
            acks.next();
        }
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
        tracker.stop();
        tracker = null;
        assertEquals(1L, TestTrackers.count(dataDir, "SELECT count(DISTINCT vid) FROM events"));
        assertEquals(3L, TestTrackers.count(dataDir, "SELECT count(*) FROM events"));
    }

    @Test
    void aHundredThousandLz4FramesBecomeExactlyAsManyRows() throws Exception {
        tracker = TestTrackers.start(dataDir, c -> { });
        Acks acks = new Acks();
        WebSocket ws = connect("", acks);
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            ws.sendBinary(ByteBuffer.wrap(lz4Frame("{\"ename\":\"bulk\",\"n\":" + i + "}")), true).join();
        }
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (tracker.registry().get("tracker.ws.frames").tag("outcome", "accepted").counter().count() < n) {
            assertTrue(System.nanoTime() < end, "every frame admitted");
            Thread.sleep(20);
        }
        tracker.stop(); // drains to DuckDB
        tracker = null;
        assertEquals((long) n, TestTrackers.count(dataDir, "SELECT count(*) FROM events"));
        assertEquals((long) n, TestTrackers.count(dataDir, "SELECT count(DISTINCT params->>'n') FROM events"));
        assertTrue(acks.messages.isEmpty(), "no ack asked for, none sent");
    }

    @Test
    void aHandshakeWithoutItsKeyIsAPlain400AndTheServerStaysUp() throws Exception {
        tracker = TestTrackers.start(dataDir, c -> { });
        String answer;
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", tracker.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /tr/v1/ws HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
        assertTrue(answer.startsWith("HTTP/1.1 400") && answer.contains("ws_bad_handshake"), answer);
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tracker.port() + "/ready"))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void aDeflateBombIsStoppedAtTheFrameLimit() throws Exception {
        Path modules = NodeModules.install("ws@8.18.0", "lz4-wasm-nodejs@0.9.2");
        tracker = TestTrackers.start(dataDir, c -> { });
        Path script = dataDir.resolve("bomb.js");
        Files.writeString(script, """
                const WebSocket = require('ws');
                const ws = new WebSocket(process.argv[2], { perMessageDeflate: true });
                ws.on('open', () => {
                  // 64 MiB of spaces compress to ~64 KB: inflated whole it would take the heap.
                  ws.send('{"ename":"bomb","pad":"' + ' '.repeat(64 << 20) + '"}');
                });
                ws.on('close', (code) => { console.log(JSON.stringify({ code, extensions: ws.extensions })); });
                ws.on('error', () => {});
                """);
        ProcessBuilder pb = new ProcessBuilder("node", "--max-old-space-size=512", script.toString(),
                "ws://127.0.0.1:" + tracker.port() + "/tr/v1/ws").redirectErrorStream(true);
        pb.environment().put("NODE_PATH", modules.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        JsonNode result = JSON.readTree(out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());
        assertTrue(result.get("extensions").asText().contains("permessage-deflate"), out);
        int code = result.get("code").asInt();
        assertTrue(code == 1009 || code == 1002 || code == 1006, "closed: " + out);
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tracker.port() + "/ready"))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode(), "the server is unharmed");
        tracker.stop();
        tracker = null;
        assertEquals(0L, TestTrackers.count(dataDir, "SELECT count(*) FROM events WHERE ename = 'bomb'"));
    }

    @Test
    void aFloodIntoASlowBackendIsSlowedDownNotDropped() throws Exception {
        // 50-row batches that take 20 ms each (2,500 rows/s) and a 1 MiB memory budget: the client sends far faster.
        FlakySessionProvider.slowMillis = 20;
        try {
            tracker = TestTrackers.start(dataDir, c -> {
                ((com.fasterxml.jackson.databind.node.ObjectNode) c.get("sessions").get(0)).put("type", "flaky-duckdb");
                com.fasterxml.jackson.databind.node.ObjectNode b = (com.fasterxml.jackson.databind.node.ObjectNode) c.get("batching");
                b.put("maxQueuedBytes", 1 << 20);
                ((com.fasterxml.jackson.databind.node.ObjectNode) b.get("tables").get("events")).put("maxRows", 50);
            });
            Acks acks = new Acks();
            WebSocket ws = connect("?ack=1", acks);
            int n = 10_000;
            for (int i = 0; i < n; i++) {
                ws.sendBinary(ByteBuffer.wrap(lz4Frame("{\"ename\":\"flood\",\"n\":" + i + ",\"pad\":\""
                        + "x".repeat(200) + "\"}")), true).join();
            }
            int acked = 0;
            for (int i = 0; i < n; i++) {
                JsonNode a = acks.next();
                assertTrue(a.has("eids"), "every frame made durable, none refused: " + a);
                acked++;
            }
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
            tracker.stop();
            tracker = null;
            assertEquals(n, acked);
            assertEquals((long) n, TestTrackers.count(dataDir, "SELECT count(*) FROM events WHERE ename = 'flood'"));
            assertEquals((long) n, TestTrackers.count(dataDir, "SELECT count(DISTINCT params->>'n') FROM events"));
        } finally {
            FlakySessionProvider.slowMillis = 0;
        }
    }

    @Test
    void theGoBrowserClientsLz4FramesFromNpmOverPermessageDeflateAreAllStored() throws Exception {
        Path modules = NodeModules.install("ws@8.18.0", "lz4-wasm-nodejs@0.9.2");
        tracker = TestTrackers.start(dataDir, c -> { });
        Path script = dataDir.resolve("client.js");
        Files.writeString(script, """
                const WebSocket = require('ws');
                const lz4 = require('lz4-wasm-nodejs');
                const n = 2000;
                const ws = new WebSocket(process.argv[2], { perMessageDeflate: true, headers: { Cookie: 'vid=' + process.argv[3] } });
                let acks = 0, errors = 0;
                ws.on('open', () => {
                  for (let i = 0; i < n; i++) {
                    const json = JSON.stringify({ ename: 'go_client', etyp: 'view', n: i, url: 'https://example.com/p/' + i });
                    ws.send(Buffer.from(lz4.compress(Buffer.from(json))), { binary: true });
                  }
                });
                ws.on('message', (m) => {
                  const a = JSON.parse(m.toString());
                  if (a.eids) acks++; else errors++;
                  if (acks + errors === n) {
                    console.log(JSON.stringify({ acks, errors, extensions: ws.extensions }));
                    ws.close();
                  }
                });
                ws.on('error', (e) => { console.error(e); process.exit(2); });
                """);
        UUID vid = UUID.randomUUID();
        ProcessBuilder pb = new ProcessBuilder("node", script.toString(),
                "ws://127.0.0.1:" + tracker.port() + "/tr/v1/ws?ack=1", vid.toString()).redirectErrorStream(true);
        pb.environment().put("NODE_PATH", modules.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        JsonNode result = JSON.readTree(out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());
        assertEquals(2000, result.get("acks").asInt(), out);
        assertEquals(0, result.get("errors").asInt(), out);
        assertTrue(result.get("extensions").asText().contains("permessage-deflate"), "negotiated: " + out);
        tracker.stop();
        tracker = null;
        assertEquals(2000L, TestTrackers.count(dataDir, "SELECT count(*) FROM events WHERE ename = 'go_client' AND vid = '" + vid + "'"));
    }
}
