package io.tracker.core.config;

/**
 * Static files under {@code /tr/v1/pub/} (spec §2.4).
 *
 * @param directory     what is served (relative to the working directory); a missing directory serves nothing
 * @param prefix        the URL path it is served under ({@code /tr/v1/pub/})
 * @param cacheControl  the Cache-Control of every file answer (ETag/Last-Modified revalidation works either way)
 * @param maxFileBytes  larger files are not served (files are answered from memory, hot ones cached)
 * @param cacheBytes    memory for cached file bodies (and their gzip forms)
 * @param track         record every file answered (200) as a server-side event, as the Go tracker did
 * @param scriptAliases more paths the bundled browser snippet ({@code /tr/v1/pub/tracker.js}) is served at, named so
 *                      that blocklists of "track", "analytics", "collect" or "pixel" miss them ({@code /js/site.js})
 * @param eventAliases  more paths that take browser events as {@code /tr/v1/tr/} does (the snippet's
 *                      {@code data-path}), for the same reason ({@code /e})
 */
public record StaticConfig(String directory, String prefix, String cacheControl, long maxFileBytes, long cacheBytes,
                           boolean track, java.util.List<String> scriptAliases, java.util.List<String> eventAliases) {

    public static StaticConfig standard() {
        return new StaticConfig("public", "/tr/v1/pub/", "public, max-age=3600", 16L << 20, 32L << 20, false,
                java.util.List.of(), java.util.List.of());
    }

    public StaticConfig {
        prefix = prefix == null ? "/tr/v1/pub/" : prefix.endsWith("/") ? prefix : prefix + "/";
        scriptAliases = scriptAliases == null ? java.util.List.of() : java.util.List.copyOf(scriptAliases);
        eventAliases = eventAliases == null ? java.util.List.of() : java.util.List.copyOf(eventAliases);
    }

    void validate(Validation v) {
        if (!prefix.startsWith("/") || prefix.equals("/") || prefix.contains("//") || prefix.contains("?")
                || prefix.contains("%") || prefix.contains("/../") || prefix.contains("/./")) {
            v.fail("static.prefix", "must be a plain absolute path below / such as /tr/v1/pub/");
        }
        if (v.notNull("static.directory", directory)
                && java.util.List.of("", ".", "./", "/", "..").contains(directory.trim())) {
            v.fail("static.directory", "must name a directory of public files (not the working directory or /)");
        }
        v.notNull("static.cacheControl", cacheControl);
        v.range("static.maxFileBytes", maxFileBytes, 1, 1L << 30);
        v.range("static.cacheBytes", cacheBytes, 0, 1L << 34);
        aliases(v, "static.scriptAliases", scriptAliases);
        aliases(v, "static.eventAliases", eventAliases);
    }

    private static void aliases(Validation v, String key, java.util.List<String> paths) {
        for (String a : paths) {
            if (a == null || !a.matches("/[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*/?") || a.startsWith("/tr/")
                    || a.contains("..")) {
                v.fail(key, "'" + a + "' must be a plain path outside /tr/ such as /js/site.js or /e");
            }
        }
    }
}
