package io.tracker.server.tls;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.tracker.core.config.TlsConfig;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's TLS context, built from {@code tls.certFile} and {@code tls.keyFile} and rebuilt when they change: new
 * connections get the new certificate, open ones keep theirs, no restart. A pair that does not load — half written,
 * or a key that does not belong to the certificate — is refused and the previous one kept. ALPN offers h2 and
 * http/1.1; only TLS 1.3 and 1.2 ({@code tls.protocols}) with HTTP/2's cipher list.
 */
public final class TlsContext implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TlsContext.class);

    private final TlsConfig config;
    private final SslProvider provider;
    private final AtomicReference<SslContext> current = new AtomicReference<>();
    private volatile String loadedStamp = "";
    private volatile String refusedStamp = "";
    private volatile X509Certificate leaf;
    private ScheduledExecutorService reloader;

    private TlsContext(TlsConfig config, SslProvider provider) {
        this.config = config;
        this.provider = provider;
    }

    /**
     * Loads the pair now (a missing or broken pair fails the start, unless {@code waitForFiles}: ACME is about to
     * write it) and checks for changes every {@code tls.reloadSeconds}.
     */
    public static TlsContext open(TlsConfig config, boolean waitForFiles) throws IOException {
        TlsContext t = new TlsContext(config, provider(config.provider()));
        if (!t.reload() && !waitForFiles) {
            throw new IOException("cannot load tls.certFile " + config.certFile() + " with tls.keyFile " + config.keyFile()
                    + " (see the log above)");
        }
        if (config.reloadSeconds() > 0) {
            t.reloader = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread th = new Thread(r, "tls-reload");
                th.setDaemon(true);
                return th;
            });
            t.reloader.scheduleWithFixedDelay(t::reload, config.reloadSeconds(), config.reloadSeconds(), TimeUnit.SECONDS);
        }
        return t;
    }

    /** {@code auto}: BoringSSL when netty-tcnative loads on this machine, else the JDK. */
    static SslProvider provider(String name) {
        return switch (name) {
            case "jdk" -> SslProvider.JDK;
            case "openssl" -> {
                if (!OpenSsl.isAvailable()) {
                    throw new IllegalStateException("tls.provider openssl: netty-tcnative does not load here: "
                            + OpenSsl.unavailabilityCause());
                }
                yield SslProvider.OPENSSL;
            }
            default -> OpenSsl.isAvailable() && SslProvider.isAlpnSupported(SslProvider.OPENSSL) ? SslProvider.OPENSSL
                    : SslProvider.JDK;
        };
    }

    /** The context new connections get; null until a pair has loaded (ACME's first issuance). */
    public SslContext current() {
        return current.get();
    }

    public String providerName() {
        return provider.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The leaf certificate in use, or null. */
    public X509Certificate certificate() {
        return leaf;
    }

    /** Loads the pair if it changed since the last load: whether a pair is in use afterwards. */
    public synchronized boolean reload() {
        Path cert = Path.of(config.certFile());
        Path key = Path.of(config.keyFile());
        String stamp;
        try {
            stamp = stamp(cert) + "|" + stamp(key);
        } catch (NoSuchFileException e) {
            if (!refusedStamp.equals("missing")) {
                log.atWarn().addKeyValue("file", e.getFile()).log("tls file missing: keeping the current certificate");
                refusedStamp = "missing";
            }
            return current.get() != null;
        } catch (IOException e) {
            log.atWarn().setCause(e).log("tls files unreadable: keeping the current certificate");
            return current.get() != null;
        }
        if (stamp.equals(loadedStamp) || stamp.equals(refusedStamp)) {
            return current.get() != null;
        }
        try {
            List<X509Certificate> chain = certificates(Files.readString(cert, StandardCharsets.US_ASCII));
            PrivateKey pk = privateKey(Files.readString(key, StandardCharsets.US_ASCII));
            if (!belongTogether(pk, chain.get(0))) {
                throw new GeneralSecurityException("the key of " + key + " does not belong to the certificate of " + cert);
            }
            SslContext ctx = SslContextBuilder.forServer(pk, chain.toArray(X509Certificate[]::new))
                    .sslProvider(provider)
                    .protocols(config.protocols())
                    .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                    .build();
            // The old context is not released here: an event loop may be between current() and newHandler(); open
            // connections hold it through their engines, and Netty's OpenSSL context frees itself once unreachable.
            SslContext old = current.getAndSet(ctx);
            leaf = chain.get(0);
            loadedStamp = stamp;
            refusedStamp = "";
            log.atInfo().addKeyValue("subject", leaf.getSubjectX500Principal().getName())
                    .addKeyValue("notAfter", leaf.getNotAfter().toInstant()).addKeyValue("provider", providerName())
                    .log(old == null ? "tls certificate loaded" : "tls certificate reloaded");
            return true;
        } catch (Exception e) {
            refusedStamp = stamp; // tried again once either file changes
            log.atWarn().addKeyValue("cert", cert).addKeyValue("error", e.toString())
                    .log(current.get() == null ? "tls certificate refused" : "tls certificate refused: keeping the current one");
            return current.get() != null;
        }
    }

    private static String stamp(Path p) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        return a.lastModifiedTime().toMillis() + ":" + a.size() + ":" + a.fileKey();
    }

    static List<X509Certificate> certificates(String pem) throws GeneralSecurityException {
        CertificateFactory f = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>();
        for (var c : f.generateCertificates(new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
            out.add((X509Certificate) c);
        }
        if (out.isEmpty()) {
            throw new GeneralSecurityException("no certificate in the PEM file");
        }
        return out;
    }

    /** A PEM private key: PKCS#8 ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}). */
    static PrivateKey privateKey(String pem) throws IOException, GeneralSecurityException {
        try (Reader r = new StringReader(pem); PEMParser parser = new PEMParser(r)) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                PrivateKeyInfo info = o instanceof PrivateKeyInfo i ? i : o instanceof PEMKeyPair pair ? pair.getPrivateKeyInfo() : null;
                if (info != null) {
                    // Through the JDK's own key factory: a key object both TLS providers know, whatever else is installed.
                    String alg = new JcaPEMKeyConverter().getPrivateKey(info).getAlgorithm();
                    alg = alg.equals("ECDSA") ? "EC" : alg;
                    return java.security.KeyFactory.getInstance(alg)
                            .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(info.getEncoded()));
                }
            }
        }
        throw new GeneralSecurityException("no unencrypted private key in the PEM file");
    }

    /** Whether {@code key} signs what the certificate's public key verifies. */
    static boolean belongTogether(PrivateKey key, X509Certificate cert) throws GeneralSecurityException {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw new GeneralSecurityException("unsupported key type " + key.getAlgorithm());
        };
        byte[] probe = new byte[32];
        new SecureRandom().nextBytes(probe);
        Signature s = Signature.getInstance(alg);
        s.initSign(key);
        s.update(probe);
        byte[] sig = s.sign();
        Signature v = Signature.getInstance(alg);
        v.initVerify(cert.getPublicKey());
        v.update(probe);
        return v.verify(sig);
    }

    @Override
    public void close() {
        if (reloader != null) {
            reloader.shutdownNow();
        }
    }
}
