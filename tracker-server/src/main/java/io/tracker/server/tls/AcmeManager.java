package io.tracker.server.tls;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.tracker.core.config.TlsConfig;
import io.tracker.server.http.ApiError;
import io.tracker.server.http.HttpResponses;
import io.tracker.server.http.Routes;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.connector.HttpConnector;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.provider.GenericAcmeProvider;
import org.shredzone.acme4j.util.KeyPairUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Certificates from an ACME CA (RFC 8555) with acme4j, the Go tracker's one-line Let's Encrypt done without a restart:
 * HTTP-01 challenges answered under {@code /.well-known/acme-challenge/} on the plain listener, the chain written to
 * {@code tls.certFile} (the domain key, kept across renewals, to {@code tls.keyFile}) and loaded at once; checked at start
 * and every few hours, renewed {@code tls.acme.renewDaysBefore} days before it expires; a failed attempt is retried
 * with a growing pause, while the current certificate keeps serving.
 */
public final class AcmeManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AcmeManager.class);
    private static final String CHALLENGE_PATH = "/.well-known/acme-challenge";

    private final TlsConfig tls;
    private final TlsConfig.AcmeConfig acme;
    private final TlsContext context;
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "acme");
        t.setDaemon(true);
        return t;
    });
    private volatile Instant lastIssued;
    private int failures;

    public AcmeManager(TlsConfig tls, TlsContext context) {
        if (java.security.Security.getProvider("BC") == null) {
            // acme4j asks for BouncyCastle by name (CSR signing); added last, so no JDK default changes.
            java.security.Security.addProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider());
        }
        this.tls = tls;
        this.acme = tls.acme();
        this.context = context;
    }

    /** Declares the challenge path: plain HTTP (the CA validates on port 80), not rate-limited, no CORS. */
    public Routes.Builder register(Routes.Builder table) {
        return table.prefix(CHALLENGE_PATH).methods("GET", "HEAD").plainHttp().unlimited().noCors()
                .to((call, token) -> {
                    String answer = token.isEmpty() || token.contains("/") ? null : tokens.get(token);
                    if (answer == null) {
                        throw ApiError.notFound("not_found", "no such challenge");
                    }
                    return CompletableFuture.completedFuture(HttpResponses.bytes(HttpResponseStatus.OK,
                            "application/octet-stream", answer.getBytes(StandardCharsets.US_ASCII)));
                });
    }

    /**
     * Checks now (after the listeners are up: the CA connects back), then every six hours; a failed attempt is retried
     * sooner. One chain of checks: each schedules the next.
     */
    public void start() {
        worker.execute(this::check);
    }

    /** When the certificate in use was last issued here (tests). */
    public Instant lastIssued() {
        return lastIssued;
    }

    private void check() {
        try {
            X509Certificate current = context.certificate();
            Instant renewAt = current == null ? Instant.MIN
                    : current.getNotAfter().toInstant().minus(Duration.ofDays(acme.renewDaysBefore()));
            if (current == null || !Instant.now().isBefore(renewAt) || !covers(current)) {
                issue();
            }
            failures = 0;
            worker.schedule(this::check, 6, TimeUnit.HOURS);
        } catch (Exception | LinkageError | AssertionError e) { // never a silent end of the chain
            failures++;
            long retryMinutes = Math.min(360, 1L << Math.min(failures, 8)); // 2, 4, … up to 6 h
            log.atWarn().addKeyValue("error", e.toString()).addKeyValue("retryMinutes", retryMinutes)
                    .log("acme certificate not obtained: the current one (if any) keeps serving");
            worker.schedule(this::check, retryMinutes, TimeUnit.MINUTES);
        }
    }

    private boolean covers(X509Certificate cert) throws java.security.cert.CertificateParsingException {
        var names = cert.getSubjectAlternativeNames();
        if (names == null) {
            return false;
        }
        java.util.Set<String> dns = new java.util.HashSet<>();
        names.forEach(n -> dns.add(String.valueOf(n.get(1)).toLowerCase(java.util.Locale.ROOT)));
        return acme.domains().stream().allMatch(d -> dns.contains(d.toLowerCase(java.util.Locale.ROOT)));
    }

    private void issue() throws Exception {
        Path dir = Path.of(acme.cacheDir());
        Files.createDirectories(dir);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
        KeyPair accountKey = keyPair(dir.resolve("account.key"), true);
        KeyPair domainKey = keyPair(Path.of(tls.keyFile()), false);
        Session session = trustStore().map(ssl -> new Session(URI.create(acme.directoryUrl()), new TrustingProvider(ssl)))
                .orElseGet(() -> new Session(URI.create(acme.directoryUrl())));
        AccountBuilder ab = new AccountBuilder().agreeToTermsOfService().useKeyPair(accountKey);
        if (!acme.email().isBlank()) {
            ab.addEmail(acme.email());
        }
        Login login = ab.createLogin(session);
        Order order = login.newOrder().domains(acme.domains()).create();
        for (Authorization auth : order.getAuthorizations()) {
            if (auth.getStatus() == Status.VALID) {
                continue;
            }
            Http01Challenge challenge = auth.findChallenge(Http01Challenge.class).orElseThrow(() ->
                    new IOException("the CA offers no http-01 challenge for " + auth.getIdentifier().getDomain()));
            tokens.put(challenge.getToken(), challenge.getAuthorization());
            try {
                challenge.trigger();
                Status s = challenge.waitForCompletion(Duration.ofSeconds(90));
                if (s != Status.VALID) {
                    throw new IOException("http-01 for " + auth.getIdentifier().getDomain() + " failed: "
                            + challenge.getError().map(Object::toString).orElse(s.name()));
                }
            } finally {
                tokens.remove(challenge.getToken());
            }
        }
        order.waitUntilReady(Duration.ofSeconds(90));
        order.execute(domainKey);
        if (order.waitForCompletion(Duration.ofSeconds(90)) != Status.VALID) {
            throw new IOException("the order did not complete: " + order.getError().map(Object::toString).orElse("?"));
        }
        StringWriter chain = new StringWriter();
        order.getCertificate().writeCertificate(chain);
        writeAtomically(Path.of(tls.certFile()), chain.toString(), false);
        lastIssued = Instant.now();
        context.reload(); // new connections get it now, not at the next file check
        X509Certificate leaf = context.certificate();
        log.atInfo().addKeyValue("domains", acme.domains())
                .addKeyValue("notAfter", leaf == null ? null : leaf.getNotAfter().toInstant()).log("acme certificate issued");
    }

    /** The key pair kept in {@code file}, made (and written, owner-only) when there is none. */
    private static KeyPair keyPair(Path file, boolean rsa) throws IOException {
        if (Files.exists(file)) {
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
                return KeyPairUtils.readKeyPair(r);
            }
        }
        KeyPair kp = rsa ? KeyPairUtils.createKeyPair(2048) : KeyPairUtils.createECKeyPair("secp256r1");
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(kp); // the traditional form, which holds the public key too
        }
        writeAtomically(file, w.toString(), true);
        return kp;
    }

    private static void writeAtomically(Path file, String text, boolean secret) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, ".acme", ".tmp");
        try {
            if (secret) {
                try {
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException ignored) {
                    // not a POSIX file system
                }
            }
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.US_ASCII)) {
                w.write(text);
            }
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** A client context trusting the JDK's CAs plus those of {@code tls.acme.trustStoreFile} (a test CA), if set. */
    private java.util.Optional<SSLContext> trustStore() throws Exception {
        if (acme.trustStoreFile().isBlank()) {
            return java.util.Optional.empty();
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        int i = 0;
        for (X509Certificate c : TlsContext.certificates(Files.readString(Path.of(acme.trustStoreFile())))) {
            ks.setCertificateEntry("ca" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return java.util.Optional.of(ssl);
    }

    /** acme4j's generic provider, its HTTPS client trusting the configured CA file. */
    private static final class TrustingProvider extends GenericAcmeProvider {
        private final SSLContext ssl;

        TrustingProvider(SSLContext ssl) {
            this.ssl = ssl;
        }

        @Override
        protected HttpConnector createHttpConnector(NetworkSettings settings) {
            return new HttpConnector(settings) {
                @Override
                public java.net.http.HttpClient.Builder createClientBuilder() {
                    return super.createClientBuilder().sslContext(ssl);
                }
            };
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
