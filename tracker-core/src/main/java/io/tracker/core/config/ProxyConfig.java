package io.tracker.core.config;

/**
 * The reverse proxy (spec §2.12): requests under {@code prefix} are relayed, streamed both ways, to the fixed upstream
 * {@code url} — never anywhere a client names.
 *
 * @param url                 the upstream, {@code http://host:port} (empty: no proxy route)
 * @param prefix              the path relayed, kept in the upstream path ({@code /api/})
 * @param forceJson           send {@code Content-Type: application/json} upstream whatever the client sent
 * @param trackFilter         proxied paths matching this regular expression are NOT recorded as events; the rest are
 *                            (empty: none is recorded)
 * @param connectTimeoutMillis an upstream that does not accept within this is a 502
 * @param responseTimeoutSeconds an upstream that sends nothing for this long is a 504 (or, mid-answer, a cut)
 * @param maxConnections  upstream connections per event loop (busy ones beyond it wait for one)
 */
public record ProxyConfig(String url, String prefix, boolean forceJson, String trackFilter, int connectTimeoutMillis,
                          int responseTimeoutSeconds, int maxConnections) {

    /** The Go tracker's shipped filter: assets and logins are relayed without an event. */
    public static final String DEFAULT_FILTER = ".*(dontlogthese|login|css|js|json|jpeg|jpg|gif|png|ico)";

    public ProxyConfig {
        url = url == null ? "" : url;
        prefix = prefix == null || prefix.isEmpty() ? "/api/" : prefix.endsWith("/") ? prefix : prefix + "/";
        trackFilter = trackFilter == null ? DEFAULT_FILTER : trackFilter;
    }

    public static ProxyConfig standard() {
        return new ProxyConfig("", "/api/", false, DEFAULT_FILTER, 2_000, 30, 32);
    }

    public boolean enabled() {
        return !url.isEmpty();
    }

    void validate(Validation v) {
        if (enabled()) {
            try {
                java.net.URI u = new java.net.URI(url);
                if (!"http".equals(u.getScheme()) || u.getHost() == null || u.getRawQuery() != null
                        || (u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/"))) {
                    v.fail("proxy.url", "must be http://host[:port] (the path and query of a request are kept)");
                }
            } catch (java.net.URISyntaxException e) {
                v.fail("proxy.url", "not a URL: " + e.getMessage());
            }
        }
        if (!prefix.startsWith("/") || prefix.equals("/") || prefix.contains("//") || prefix.contains("%")) {
            v.fail("proxy.prefix", "must be a plain absolute path below / such as /api/");
        }
        try {
            java.util.regex.Pattern.compile(trackFilter);
        } catch (java.util.regex.PatternSyntaxException e) {
            v.fail("proxy.trackFilter", "not a regular expression: " + e.getDescription());
        }
        v.range("proxy.connectTimeoutMillis", connectTimeoutMillis, 50, 60_000);
        v.range("proxy.responseTimeoutSeconds", responseTimeoutSeconds, 1, 3_600);
        v.range("proxy.maxConnections", maxConnections, 1, 10_000);
    }
}
