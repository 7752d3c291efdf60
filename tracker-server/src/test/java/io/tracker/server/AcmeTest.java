package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACME against Pebble, Let's Encrypt's test CA (Debian's pebble, started by scripts/pebble.sh): the tracker answers
 * HTTP-01 on its plain listener, gets a certificate for localhost and serves it on the TLS port without a restart;
 * restarted, it reuses the stored certificate instead of asking again.
 */
class AcmeTest {
    private static final Path PEBBLE = Path.of(System.getenv().getOrDefault("PEBBLE_DIR", "/tmp/tracker-pebble"));
    private static final int VALIDATION_PORT = Integer.parseInt(System.getenv().getOrDefault("PEBBLE_HTTP_PORT", "5002"));

    @TempDir
    Path dir;

    @BeforeAll
    static void pebble() throws Exception {
        Process p = new ProcessBuilder("bash", "scripts/pebble.sh", "start").directory(Path.of("..").toFile())
                .inheritIO().start();
        assertEquals(0, p.waitFor(), "scripts/pebble.sh start");
    }

    private Tracker start() throws Exception {
        return TestTrackers.start(dir.resolve("data"), c -> {
            ((ObjectNode) c.get("server")).put("port", VALIDATION_PORT); // where Pebble validates http-01
            ObjectNode tls = ((ObjectNode) c.get("tls")).put("enabled", true).put("port", 0);
            ObjectNode acme = (ObjectNode) tls.get("acme");
            acme.put("directoryUrl", "https://localhost:14000/dir").put("cacheDir", dir.resolve("acme").toString())
                    .put("trustStoreFile", PEBBLE.resolve("ca.pem").toString()).put("agreeToTerms", true)
                    .put("email", "ops@example.com");
            acme.putArray("domains").add("localhost");
        });
    }

    @Test
    void issuesACertificateOverHttp01AndServesItLiveThenReusesIt() throws Exception {
        X509Certificate issued;
        try (Tracker t = start()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            X509Certificate served = null;
            while (System.nanoTime() < deadline) {
                served = served(t.tlsPort());
                if (served != null) {
                    break;
                }
                Thread.sleep(250);
            }
            assertTrue(served != null, "no certificate from Pebble within 90 s");
            assertTrue(served.getIssuerX500Principal().getName().contains("Pebble"), served.getIssuerX500Principal().getName());
            assertTrue(served.getSubjectAlternativeNames().stream().anyMatch(n -> "localhost".equals(n.get(1))));
            // A real client, verifying the chain up to Pebble's root and the host name.
            X509Certificate root = pebbleRoot();
            HttpClient https = HttpClient.newBuilder().sslContext(TestCerts.trusting(root)).build();
            HttpResponse<String> ping = https.send(HttpRequest.newBuilder(URI.create("https://localhost:" + t.tlsPort()
                    + "/ping")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("pong", ping.body());
            assertEquals(HttpClient.Version.HTTP_2, ping.version());
            issued = served;
            assertTrue(Files.exists(dir.resolve("acme/cert.pem")) && Files.exists(dir.resolve("acme/domain.key")));
        }
        try (Tracker t = start()) {
            assertEquals(issued, served(t.tlsPort()), "a valid stored certificate is served at once, not asked for again");
        }
    }

    /** The certificate the TLS port serves, or null while it has none (it closes such connections). */
    private static X509Certificate served(int port) throws Exception {
        javax.net.ssl.SSLContext any = javax.net.ssl.SSLContext.getInstance("TLS");
        any.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a) {
            }

            public void checkServerTrusted(X509Certificate[] c, String a) {
            }

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        try (SSLSocket s = (SSLSocket) any.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            s.startHandshake();
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** Pebble's (per-start) root, from its management API. */
    private static X509Certificate pebbleRoot() throws Exception {
        HttpClient mgmt = HttpClient.newBuilder().sslContext(TestCerts.trusting(
                (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                        new ByteArrayInputStream(Files.readAllBytes(PEBBLE.resolve("ca.pem")))))).build();
        byte[] pem = mgmt.send(HttpRequest.newBuilder(URI.create("https://localhost:15000/roots/0")).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body();
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
    }
}
