package io.tracker.core.pipeline;

/** The ingest routes (spec §2.1–§2.3). */
public enum Route {
    /** {@code /tr/v1/tr/}: browser tracking; sets the vid cookie. */
    TRACK("tr", true),
    /** {@code /tr/v1/str/}: server-side tracking; answers the event ids, never sets cookies. */
    SERVER("str", false),
    /** {@code /tr/v1/img/}: the 1×1 pixel; sets the vid cookie. */
    PIXEL("img", true),
    /** {@code /tr/v1/rdr/}: records the hit, then 302 to {@code url}; server-style (no cookie). */
    REDIRECT("rdr", false),
    /** {@code /tr/v1/xrdr/}: as {@code rdr}, but a browser hit: sets the vid cookie. */
    XREDIRECT("xrdr", true),
    /** A short link followed (spec §2.10): recorded as {@code etyp=redirect, ename=short_rdr}; not a path of its own (the router never matches it). */
    SHORT_LINK("short", true),
    /** {@code /tr/v1/ws}: one event per WebSocket frame (spec §2.7, §13); values keep their case. */
    WEBSOCKET("ws", true),
    /** A request relayed by the reverse proxy (spec §2.12), recorded server-style when {@code proxy.trackFilter} lets it; no path of its own under /tr/v1/. */
    PROXY("proxy", false),
    /** A static file served with {@code static.track} on, recorded server-style. */
    STATIC("pub", false),
    /**
     * The Segment HTTP Tracking API ({@code /v1/batch}, {@code /v1/track}, ...): server-style (no cookie), values keep
     * their case (SDK event names are "Order Completed"), and a message's own {@code context.ip}/{@code userAgent}
     * stand for the request's; never a path under /tr/v1/.
     */
    SEGMENT("segment", false);

    private final String segment;
    private final boolean browser;

    Route(String segment, boolean browser) {
        this.segment = segment;
        this.browser = browser;
    }

    /** The path segment after the API version, e.g. {@code tr}. */
    public String segment() {
        return segment;
    }

    /** Whether string values are lower-cased ({@code tracking.lowercaseValues}): GET/POST hits, not WebSocket frames (spec §3). */
    public boolean lowercasesValues() {
        return this != WEBSOCKET && this != SEGMENT;
    }

    /** Browser routes set the {@code vid} cookie (spec §5.1, quirk §18.1 fixed). */
    public boolean isBrowser() {
        return browser;
    }
}
