package io.tracker.core.config;

import java.util.List;

/**
 * Short links and redirect routes (spec §2.5, §2.9, §2.10).
 *
 * @param allowedHosts    hosts {@code /tr/v1/rdr/} and {@code /tr/v1/xrdr/} may redirect to (a leading {@code .}
 *                        allows subdomains). Any other target needs a valid {@code sig} (see {@code tracker sign-url})
 * @param selfDomains     this tracker's own domains: a short link may not point back at them (a loop) unless
 *                        through {@code /tr/v1/rdr/}
 * @param defaultUrl      where {@code rdr}/{@code xrdr} send a request without {@code url}; empty = 400
 * @param cacheSeconds    how long a short-link lookup (hit or miss) is cached; a change on this node invalidates it
 * @param cacheMaxEntries bound of that cache
 * @param openRedirect    true restores the Go tracker's behaviour: rdr/xrdr redirect to any http(s) URL (an open
 *                        redirect phishers can borrow your domain for); off by default
 */
public record LinksConfig(List<String> allowedHosts, List<String> selfDomains, String defaultUrl, int cacheSeconds,
                          int cacheMaxEntries, boolean openRedirect) {

    public LinksConfig {
        allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
        selfDomains = selfDomains == null ? List.of() : List.copyOf(selfDomains);
    }

    public static LinksConfig standard() {
        return new LinksConfig(List.of(), List.of(), "", 300, 100_000, false);
    }

    void validate(Validation v) {
        v.notNull("links.defaultUrl", defaultUrl);
        v.range("links.cacheSeconds", cacheSeconds, 0, 86_400);
        v.range("links.cacheMaxEntries", cacheMaxEntries, 0, 100_000_000);
    }
}
