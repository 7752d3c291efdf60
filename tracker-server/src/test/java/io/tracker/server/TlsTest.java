package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTPS with real clients: the JDK's HttpClient and curl over TLS 1.3, 1.2 and h2, with both TLS providers; TLS 1.1
 * refused; a certificate swapped on disk picked up by new connections; the plain listener's 308.
 */
class TlsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Tracker start(String provider, TestCerts certs, boolean pkcs1, java.util.function.Consumer<ObjectNode> more)
            throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        certs.write(cert, key, pkcs1);
        return TestTrackers.start(dir.resolve("data"), c -> {
            ObjectNode tls = (ObjectNode) c.get("tls");
            tls.put("enabled", true).put("port", 0).put("certFile", cert.toString()).put("keyFile", key.toString())
                    .put("provider", provider).put("reloadSeconds", 1);
            more.accept(c);
        });
    }

    private static HttpClient client(SSLContext trust, HttpClient.Version version, String... protocols) {
        SSLParameters p = new SSLParameters();
        p.setProtocols(protocols);
        return HttpClient.newBuilder().sslContext(trust).sslParameters(p).version(version)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void everyRouteWorksOverTls13Tls12AndH2AndEveryEventIsStored(String provider) throws Exception {
        TestCerts certs = TestCerts.create("tracker-test", false);
        Path data = dir.resolve("data");
        int sent = 0;
        try (Tracker t = start(provider, certs, false, c -> { })) {
            SSLContext trust = TestCerts.trusting(certs.certificate);
            String base = "https://localhost:" + t.tlsPort();
            for (String tls : List.of("TLSv1.3", "TLSv1.2")) {
                for (HttpClient.Version v : List.of(HttpClient.Version.HTTP_2, HttpClient.Version.HTTP_1_1)) {
                    HttpClient http = client(trust, v, tls);
                    HttpResponse<byte[]> pixel = http.send(HttpRequest.newBuilder(URI.create(base
                            + "/tr/v1/img/?ename=pixel_" + tls.replace('.', '_') + "_" + v)).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    assertEquals(200, pixel.statusCode());
                    assertEquals(v, pixel.version(), "ALPN gives the client what it asked for");
                    assertEquals("image/gif", pixel.headers().firstValue("content-type").orElse(""));
                    assertTrue(pixel.headers().firstValue("set-cookie").orElse("").contains("Secure"),
                            "a TLS hit gets a Secure vid cookie: " + pixel.headers().map());
                    HttpResponse<String> str = http.send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/str/"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"ename\":\"server_" + v + "\"}")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, str.statusCode(), str.body());
                    assertTrue(JSON.readTree(str.body()).has("eid"), str.body());
                    sent += 2;
                    HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(base + "/ready")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, ready.statusCode());
                    HttpResponse<String> nope = http.send(HttpRequest.newBuilder(URI.create(base + "/tr/v1/nope")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertEquals(404, nope.statusCode());
                    assertEquals("not_found", JSON.readTree(nope.body()).get("code").asText());
                }
            }
            // Concurrent streams on one h2 connection (up to its SETTINGS_MAX_CONCURRENT_STREAMS, 100), each its own request.
            HttpClient h2 = client(trust, HttpClient.Version.HTTP_2, "TLSv1.3");
            for (int round = 0; round < 4; round++) {
                List<CompletableFuture<HttpResponse<String>>> many = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    many.add(h2.sendAsync(HttpRequest.newBuilder(URI.create(base + "/tr/v1/tr/?ename=stream" + i)).build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
                for (var f : many) {
                    assertEquals(200, f.get().statusCode());
                    assertEquals(HttpClient.Version.HTTP_2, f.get().version());
                }
                sent += 50;
            }
        }
        assertEquals(sent, TestTrackers.count(data, "SELECT count(*) FROM events"));
    }

    @Test
    void theWebSocketWorksOverWssAndAcksDurableFrames() throws Exception {
        TestCerts certs = TestCerts.create("wss", false);
        try (Tracker t = start("auto", certs, false, c -> { })) {
            java.util.concurrent.LinkedBlockingQueue<String> acks = new java.util.concurrent.LinkedBlockingQueue<>();
            java.net.http.WebSocket ws = HttpClient.newBuilder().sslContext(TestCerts.trusting(certs.certificate)).build()
                    .newWebSocketBuilder().buildAsync(URI.create("wss://localhost:" + t.tlsPort() + "/tr/v1/ws?ack=1"),
                            new java.net.http.WebSocket.Listener() {
                                @Override
                                public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket w,
                                                                                      CharSequence data, boolean last) {
                                    acks.add(data.toString());
                                    w.request(1);
                                    return null;
                                }
                            }).get(10, java.util.concurrent.TimeUnit.SECONDS);
            for (int i = 0; i < 20; i++) {
                ws.sendText("{\"ename\":\"wss" + i + "\"}", true).get(5, java.util.concurrent.TimeUnit.SECONDS);
            }
            int eids = 0;
            while (eids < 20) {
                String ack = acks.poll(10, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue(ack != null, "an ack per durable frame");
                eids += JSON.readTree(ack).get("eids").size();
            }
            ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "done").get(5, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertEquals(20, TestTrackers.count(dir.resolve("data"), "SELECT count(*) FROM events WHERE ename LIKE 'wss%'"));
    }

    @Test
    void curlSpeaksH2AndHttp11OverTls12And13AndTls11IsRefused() throws Exception {
        TestCerts certs = TestCerts.create("tracker-curl", true);
        try (Tracker t = start("auto", certs, true, c -> { })) { // an RSA key in PKCS#1 form loads too
            Path ca = dir.resolve("ca.pem");
            java.nio.file.Files.writeString(ca, java.nio.file.Files.readString(dir.resolve("cert.pem")));
            String url = "https://localhost:" + t.tlsPort() + "/tr/v1/tr/?ename=curl";
            assertEquals("2 200", curl("--cacert", ca.toString(), "--http2", "--tlsv1.3", url));
            assertEquals("2 200", curl("--cacert", ca.toString(), "--http2", "--tlsv1.2", "--tls-max", "1.2", url));
            assertEquals("1.1 200", curl("--cacert", ca.toString(), "--http1.1", "--tlsv1.2", "--tls-max", "1.2", url));
            String old = curl("--cacert", ca.toString(), "--http1.1", "--tlsv1.1", "--tls-max", "1.1",
                    "--ciphers", "DEFAULT@SECLEVEL=0", url);
            assertTrue(old.startsWith("exit "), "TLS 1.1 must not be negotiated: " + old);
        }
    }

    /** curl's {@code http_version status}, or {@code exit N} when it failed. */
    private static String curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "-o", "/dev/null", "--max-time", "10",
                "-w", "%{http_version} %{http_code}"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        int rc = p.waitFor();
        return rc == 0 ? out : "exit " + rc;
    }

    @Test
    void aCertificateReplacedOnDiskIsServedToNewConnectionsAndABrokenPairIsRefused() throws Exception {
        TestCerts first = TestCerts.create("first", false);
        try (Tracker t = start("auto", first, false, c -> { })) {
            TestCerts second = TestCerts.create("second", false);
            assertEquals(first.certificate, served(t.tlsPort(), first.certificate, second.certificate));

            // A key that does not belong to the certificate: refused, the first pair stays.
            TestCerts stray = TestCerts.create("stray", false);
            second.write(dir.resolve("cert.pem"), dir.resolve("unused.pem"), false);
            stray.write(dir.resolve("unused2.pem"), dir.resolve("key.pem"), false);
            Thread.sleep(2_500);
            assertEquals(first.certificate, served(t.tlsPort(), first.certificate, second.certificate));

            second.write(dir.resolve("cert.pem"), dir.resolve("key.pem"), false);
            long deadline = System.nanoTime() + 10_000_000_000L;
            X509Certificate now = first.certificate;
            while (System.nanoTime() < deadline && now.equals(first.certificate)) {
                Thread.sleep(200);
                now = served(t.tlsPort(), first.certificate, second.certificate);
            }
            assertEquals(second.certificate, now, "picked up without a restart");
            BigInteger serial = now.getSerialNumber();
            assertNotEquals(first.certificate.getSerialNumber(), serial);
        }
    }

    private static X509Certificate served(int port, X509Certificate... trust) throws Exception {
        try (SSLSocket s = (SSLSocket) TestCerts.trusting(trust).getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            s.startHandshake();
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    @Test
    void thePlainListenerRedirectsToHttpsWithThePortButAnswersProbes() throws Exception {
        TestCerts certs = TestCerts.create("redirect", false);
        try (Tracker t = start("jdk", certs, false, c -> ((ObjectNode) c.get("tls")).put("hstsSeconds", 600)
                .put("hstsIncludeSubdomains", true))) {
            HttpClient plain = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
            HttpResponse<String> r = plain.send(HttpRequest.newBuilder(URI.create("http://localhost:" + t.port()
                    + "/tr/v1/tr/ename/x?a=1&b=%20")).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(308, r.statusCode());
            assertEquals("https://localhost:" + t.tlsPort() + "/tr/v1/tr/ename/x?a=1&b=%20",
                    r.headers().firstValue("location").orElse(""));
            HttpResponse<String> link = plain.send(HttpRequest.newBuilder(URI.create("http://localhost:" + t.port()
                    + "/some-short-link")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(308, link.statusCode());
            for (String probe : List.of("/health", "/ready", "/ping", "/metrics")) {
                assertEquals(200, plain.send(HttpRequest.newBuilder(URI.create("http://localhost:" + t.port() + probe))
                        .build(), HttpResponse.BodyHandlers.ofString()).statusCode(), probe);
            }
            HttpResponse<String> secure = client(TestCerts.trusting(certs.certificate), HttpClient.Version.HTTP_2,
                    "TLSv1.3").send(HttpRequest.newBuilder(URI.create("https://localhost:" + t.tlsPort() + "/ping"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("max-age=600; includeSubDomains",
                    secure.headers().firstValue("strict-transport-security").orElse(""));
            // A Host that is no host name gets no redirect built from it.
            assertEquals(400, rawStatus(t.port(), "GET /tr/v1/tr/ HTTP/1.1\r\nHost: evil.com/x\r\n\r\n"));
        }
        assertEquals(0, TestTrackers.count(dir.resolve("data"), "SELECT count(*) FROM events"),
                "nothing redirected was recorded on the plain listener");
    }

    private static int rawStatus(int port, String request) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream())).readLine();
            return Integer.parseInt(line.split(" ")[1]);
        }
    }

    @Test
    void aMissingCertificateFailsTheStartNamingTheFile() {
        Exception e = assertThrows(Exception.class, () -> TestTrackers.start(dir.resolve("data"), c ->
                ((ObjectNode) c.get("tls")).put("enabled", true).put("port", 0)
                        .put("certFile", dir.resolve("none.pem").toString()).put("keyFile", dir.resolve("none.key").toString())));
        assertTrue(e.getMessage().contains("none.pem"), e.getMessage());
    }

    @Test
    void onlyTls13And12AreConfigurable() {
        Exception e = assertThrows(Exception.class, () -> TestTrackers.config(dir, c ->
                ((ObjectNode) c.get("tls")).putArray("protocols").add("TLSv1.1")));
        assertTrue(e.getMessage().contains("tls.protocols"), e.getMessage());
    }
}
