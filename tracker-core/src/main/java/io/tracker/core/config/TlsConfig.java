package io.tracker.core.config;

import java.util.List;

/**
 * HTTPS (spec §1.2): a second listener on {@code port} with HTTP/2 and HTTP/1.1 negotiated by ALPN.
 *
 * @param enabled          listen with TLS (the plain listener then redirects, see {@code redirectHttp})
 * @param port             the TLS port
 * @param certFile         PEM certificate chain (leaf first); with ACME: where the issued chain is kept
 * @param keyFile          PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC); with ACME: the domain key
 * @param protocols        TLS versions offered: TLSv1.3 and TLSv1.2 by default, never older
 * @param provider         {@code auto} (OpenSSL/BoringSSL when its native library loads, else the JDK), {@code jdk},
 *                         {@code openssl}
 * @param reloadSeconds    how often the two files are checked; a changed pair is loaded for new connections, no
 *                         restart (0: never)
 * @param redirectHttp     the plain listener answers 308 to https:// except {@code /health}, {@code /ready},
 *                         {@code /ping}, {@code /metrics} and ACME challenges
 * @param redirectPort     the port put in those redirects (0: {@code port}; 443 is left out of the URL)
 * @param hstsSeconds      {@code Strict-Transport-Security} max-age on TLS answers (0: not sent)
 * @param hstsIncludeSubdomains HSTS covers every subdomain too (only when all of them serve HTTPS)
 * @param acme             certificates from an ACME CA (Let's Encrypt) instead of files an operator provides
 */
public record TlsConfig(boolean enabled, int port, String certFile, String keyFile, List<String> protocols,
                        String provider, int reloadSeconds, boolean redirectHttp, int redirectPort, long hstsSeconds,
                        boolean hstsIncludeSubdomains, AcmeConfig acme) {

    public TlsConfig {
        protocols = protocols == null ? List.of("TLSv1.3", "TLSv1.2") : List.copyOf(protocols);
        provider = provider == null ? "auto" : provider;
        acme = acme == null ? AcmeConfig.standard() : acme;
        certFile = certFile == null || certFile.isEmpty() ? (acme.enabled() ? acme.cacheDir() + "/cert.pem" : "") : certFile;
        keyFile = keyFile == null || keyFile.isEmpty() ? (acme.enabled() ? acme.cacheDir() + "/domain.key" : "") : keyFile;
    }

    public static TlsConfig standard() {
        return new TlsConfig(false, 8443, "", "", List.of("TLSv1.3", "TLSv1.2"), "auto", 10, true, 0, 0, false,
                AcmeConfig.standard());
    }

    /** The port of https:// URLs this tracker sends people to. */
    public int publicPort() {
        return redirectPort > 0 ? redirectPort : port;
    }

    void validate(Validation v) {
        v.range("tls.port", port, 0, 65_535);
        v.range("tls.reloadSeconds", reloadSeconds, 0, 86_400);
        v.range("tls.redirectPort", redirectPort, 0, 65_535);
        v.range("tls.hstsSeconds", hstsSeconds, 0, 2L * 365 * 86_400);
        v.oneOf("tls.provider", provider, "auto", "jdk", "openssl");
        if (protocols.isEmpty()) {
            v.fail("tls.protocols", "at least one of TLSv1.3, TLSv1.2");
        }
        for (String p : protocols) {
            if (!p.equals("TLSv1.3") && !p.equals("TLSv1.2")) {
                v.fail("tls.protocols", "'" + p + "' is not offered: TLSv1.3 and TLSv1.2 only (older versions are broken)");
            }
        }
        acme.validate(v);
        if (enabled && !acme.enabled() && (certFile.isBlank() || keyFile.isBlank())) {
            v.fail("tls.certFile", "TLS needs tls.certFile and tls.keyFile (make certs writes a development pair), "
                    + "or tls.acme.directoryUrl");
        }
    }

    /**
     * ACME (RFC 8555) issuance and renewal, the Go tracker's one-line Let's Encrypt: HTTP-01 challenges are answered on
     * the plain listener, so {@code server.port} must be reachable on port 80 of each domain.
     *
     * @param directoryUrl     the CA's directory (empty: ACME off), e.g. {@code https://acme-v02.api.letsencrypt.org/directory}
     * @param domains          names the certificate is for
     * @param email            contact of the account (optional)
     * @param cacheDir         account key, domain key and certificate chain (mode 0700)
     * @param renewDaysBefore  renew when the certificate expires within this many days
     * @param trustStoreFile   PEM CA certificates to trust for the directory's HTTPS (a test CA); empty: the JDK's
     * @param agreeToTerms     the CA's terms of service are accepted (required: an operator's decision)
     */
    public record AcmeConfig(String directoryUrl, List<String> domains, String email, String cacheDir,
                             int renewDaysBefore, String trustStoreFile, boolean agreeToTerms) {
        public AcmeConfig {
            directoryUrl = directoryUrl == null ? "" : directoryUrl;
            domains = domains == null ? List.of() : List.copyOf(domains);
            email = email == null ? "" : email;
            cacheDir = cacheDir == null || cacheDir.isEmpty() ? "data/acme" : cacheDir;
            trustStoreFile = trustStoreFile == null ? "" : trustStoreFile;
        }

        public static AcmeConfig standard() {
            return new AcmeConfig("", List.of(), "", "data/acme", 30, "", false);
        }

        public boolean enabled() {
            return !directoryUrl.isEmpty();
        }

        void validate(Validation v) {
            if (!enabled()) {
                return;
            }
            if (!directoryUrl.startsWith("https://")) {
                v.fail("tls.acme.directoryUrl", "must be an https:// ACME directory URL");
            }
            if (domains.isEmpty()) {
                v.fail("tls.acme.domains", "at least one domain name is required");
            }
            for (String d : domains) {
                if (d == null || !d.matches("(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
                    v.fail("tls.acme.domains", "'" + d + "' is not a host name");
                }
            }
            v.range("tls.acme.renewDaysBefore", renewDaysBefore, 1, 60);
            if (!agreeToTerms) {
                v.fail("tls.acme.agreeToTerms", "set true to accept the CA's terms of service (required by ACME)");
            }
        }
    }
}
