package io.tracker.server.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.tracker.core.batch.QueueFullException;
import io.tracker.core.config.TrackingConfig;
import io.tracker.core.pipeline.BadRequestException;
import io.tracker.core.pipeline.HitRequest;
import io.tracker.core.pipeline.Ingest;
import io.tracker.core.pipeline.Route;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * {@code /tr/v1/tr/}, {@code /tr/v1/str/}, {@code /tr/v1/img/} (spec §2.1–§2.3): turn the request into
 * a {@link HitRequest}, hand it to {@link Ingest}, answer. No business rule lives here.
 */
public final class TrackHandler {
    static final String API = "/tr/v1/";
    private static final Map<Route, Set<String>> METHODS = Map.of(
            Route.TRACK, Set.of("GET", "POST", "HEAD"),
            Route.SERVER, Set.of("GET", "POST"),
            Route.PIXEL, Set.of("GET", "HEAD"),
            Route.REDIRECT, Set.of("GET", "HEAD"),
            Route.XREDIRECT, Set.of("GET", "HEAD"));

    private final Ingest ingest;
    private final ClientAddress address;
    private final TrackingConfig tracking;
    private final Rejections rejections;

    private final io.tracker.core.config.LinksConfig links;

    private final io.tracker.core.business.LinkSigner signer;

    private volatile io.tracker.core.business.ApiKeys keys;
    private volatile java.util.concurrent.Executor lookups;

    /**
     * Tracking requests that carry an API key ({@code ingest} scope) write into the key's tenant; {@code lookups} runs
     * the store read of a key not in the cache (never on an event loop).
     */
    public void withKeys(io.tracker.core.business.ApiKeys apiKeys, java.util.concurrent.Executor lookupPool) {
        this.keys = apiKeys;
        this.lookups = lookupPool;
    }

    public TrackHandler(Ingest ingest, ClientAddress address, TrackingConfig tracking,
                        io.tracker.core.config.LinksConfig links, io.tracker.core.business.LinkSigner signer,
                        Rejections rejections) {
        this.signer = signer;
        this.links = links;
        this.ingest = ingest;
        this.address = address;
        this.tracking = tracking;
        this.rejections = rejections;
    }

    /** Values the WebSocket route reads from the upgrade request like any hit does. */
    public static Map<String, String> cookiesOf(HttpHeaders h) {
        return cookies(h);
    }

    /** Declares the ingest routes: {@code /tr/v1/<segment>/<pairs...>} of each {@link Route} with its methods. */
    public Routes.Builder register(Routes.Builder table) {
        for (Route r : List.of(Route.TRACK, Route.SERVER, Route.PIXEL, Route.REDIRECT, Route.XREDIRECT)) {
            table.prefix(API + r.segment()).methods(METHODS.get(r).toArray(String[]::new))
                    .to((call, rest) -> handle(call, r, rest));
        }
        return table;
    }

    /** Declares {@code path} (and everything under it) as another name of {@code /tr/v1/tr/} (static.eventAliases). */
    public Routes.Builder registerAlias(Routes.Builder table, String path) {
        return table.prefix(path).methods(METHODS.get(Route.TRACK).toArray(String[]::new))
                .to((call, rest) -> handle(call, Route.TRACK, rest));
    }

    /** The response, possibly later: {@code wal} and {@code sync} durability answer once the rows are safe. */
    CompletableFuture<FullHttpResponse> handle(HttpCall call, Route route, String pairsPath) {
        String target = null;
        if (route == Route.REDIRECT || route == Route.XREDIRECT) {
            target = redirectTarget(call.rawQuery());
            if (target == null) {
                throw ApiError.badRequest("bad_redirect",
                        "url: an absolute http(s) URL to a host of links.allowedHosts, or signed (sig), is required");
            }
        }
        String key = ApiSupport.apiKey(call.request().headers().get(HttpHeaderNames.AUTHORIZATION));
        if (key == null || keys == null) {
            return record(call, route, pairsPath, call.rawQuery(), target, null);
        }
        String redirect = target;
        java.util.Optional<io.tracker.core.business.ApiKeys.Key> cached = keys.cached(key);
        if (cached != null) {
            return record(call, route, pairsPath, call.rawQuery(), redirect, tenantOf(cached));
        }
        // (the router keeps the request, body included, until the answer's future completes)
        CompletableFuture<FullHttpResponse> out = new CompletableFuture<>();
        try {
            lookups.execute(() -> {
                try {
                    java.util.UUID tenant = tenantOf(keys.authenticate(key));
                    record(call, route, pairsPath, call.rawQuery(), redirect, tenant)
                            .whenComplete((r, e) -> out.complete(e == null ? r : failed(e)));
                } catch (Exception e) {
                    out.complete(failed(e));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw ApiError.unavailable("overloaded", "too many API requests in flight; retry shortly", 1);
        }
        return out;
    }

    private FullHttpResponse failed(Throwable e) {
        Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        if (c instanceof ApiError api) {
            return rejections.answer(api);
        }
        return rejections.answer(ApiError.unavailable("storage_unavailable",
                "the API key cannot be checked right now; retry shortly", 1));
    }

    /** The tenant of a looked-up key: 401 when unknown or revoked, 403 without the ingest scope. */
    private static java.util.UUID tenantOf(java.util.Optional<io.tracker.core.business.ApiKeys.Key> key) {
        if (key.isEmpty()) {
            throw ApiError.of(HttpResponseStatus.UNAUTHORIZED, "invalid_key", "the API key is unknown or revoked");
        }
        if (!key.get().allows(io.tracker.core.business.ApiKeys.Scope.INGEST)) {
            throw ApiError.forbidden("missing_scope", "the API key lacks the scope ingest");
        }
        return key.get().oid();
    }

    /**
     * Records the events of {@code body} (a JSON object or array, as {@code /tr/v1/str/} takes) for the event APIs of
     * other trackers, translated, into {@code tenant} (null: the {@code oid} the events carry), answered like
     * {@code /tr/v1/str/}.
     */
    public CompletableFuture<FullHttpResponse> recordServerEvents(HttpCall call, byte[] body, java.util.UUID tenant) {
        HttpHeaders h = call.request().headers();
        HitRequest hit = new HitRequest(Route.SERVER, "POST", "", null, body, cookies(h), null,
                h.get(HttpHeaderNames.USER_AGENT), h.get(HttpHeaderNames.ACCEPT_LANGUAGE), address.ip(call.channel(), h),
                address.host(call.channel(), h), java.util.Map.of(), tenant);
        return ingestAndAnswer(call, Route.SERVER, hit, null);
    }

    /**
     * Ingests events already translated to the body {@code /tr/v1/str/} takes (one object or an array), as {@code route},
     * with the client facts a message carries itself ({@code ip}, {@code userAgent}, {@code acceptLanguage}; null: none)
     * into {@code tenant}. The future completes once they are as safe as the durability promises; a failed one means
     * none is. Bad input and a full queue are thrown as the matching {@link ApiError}.
     */
    public CompletableFuture<Ingest.IngestResult> ingestEvents(HttpCall call, Route route, byte[] body, java.util.UUID tenant,
                                                               String ip, String userAgent, String acceptLanguage) {
        HitRequest hit = new HitRequest(route, "POST", "", null, body, java.util.Map.of(), null, userAgent, acceptLanguage,
                ip, address.host(call.channel(), call.request().headers()), java.util.Map.of(), tenant);
        try {
            return ingest.ingest(hit);
        } catch (BadRequestException e) {
            throw ApiError.badRequest(e.reason(), e.getMessage());
        } catch (QueueFullException e) {
            throw ApiError.unavailable("overloaded", "the tracker is at its queue limit (" + e.getMessage()
                    + "); retry shortly", 1);
        }
    }

    /**
     * Records a request answered by another service (a proxied call, a static file) as a server-side event, without
     * waiting for it: {@code etyp} and {@code url} (the path) plus the request's own query, cookies and headers. A hit
     * that cannot be recorded (overload, bad input) is counted and dropped; the request's own answer stands.
     */
    public void recordAside(HttpCall call, Route route, String etyp) {
        io.netty.handler.codec.http.DefaultFullHttpRequest view = new io.netty.handler.codec.http.DefaultFullHttpRequest(
                io.netty.handler.codec.http.HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpMethod.GET,
                call.request().uri(), io.netty.buffer.Unpooled.EMPTY_BUFFER,
                new io.netty.handler.codec.http.DefaultHttpHeaders().set(call.request().headers()),
                io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE);
        String query = "etyp=" + etyp + "&url=" + java.net.URLEncoder.encode(call.path(), java.nio.charset.StandardCharsets.UTF_8)
                + (call.rawQuery() == null ? "" : "&" + call.rawQuery());
        try {
            record(new HttpCall(call.channel(), view, "GET", call.path(), call.rawQuery()), route, "", query, null);
        } catch (ApiError e) {
            rejections.count(e.code());
        }
    }

    /**
     * Records the hit and answers: 302 to {@code target} when one is given (rdr, xrdr, short links), else the
     * route's own answer. HEAD answers without recording (link checkers and mail scanners probe with HEAD).
     */
    public CompletableFuture<FullHttpResponse> record(HttpCall call, Route route, String pairsPath, String query,
                                                      String target) {
        return record(call, route, pairsPath, query, target, null);
    }

    private CompletableFuture<FullHttpResponse> record(HttpCall call, Route route, String pairsPath, String query,
                                                       String target, java.util.UUID tenant) {
        if (call.method().equals("HEAD")) {
            return CompletableFuture.completedFuture(respond(route, new Ingest.IngestResult(java.util.List.of(), null), target,
                    false));
        }
        HttpHeaders h = call.request().headers();
        HitRequest hit = new HitRequest(route, call.method(), pairsPath, query,
                route == Route.SHORT_LINK ? new byte[0] : ByteBufUtil.getBytes(call.request().content()), cookies(h),
                h.get("User"), h.get(HttpHeaderNames.USER_AGENT), h.get(HttpHeaderNames.ACCEPT_LANGUAGE),
                address.ip(call.channel(), h), address.host(call.channel(), h),
                route.isBrowser() ? clientHints(h) : java.util.Map.of(), tenant);
        return ingestAndAnswer(call, route, hit, target);
    }

    private CompletableFuture<FullHttpResponse> ingestAndAnswer(HttpCall call, Route route, HitRequest hit, String target) {
        boolean secure = address.secure(call.channel(), call.request().headers());
        try {
            CompletableFuture<Ingest.IngestResult> accepted = ingest.ingest(hit);
            java.util.function.BiFunction<Ingest.IngestResult, Throwable, FullHttpResponse> answer = (result, error) ->
                    error == null ? respond(route, result, target, secure)
                            : rejections.answer(ApiError.unavailable("storage_error",
                                    "the event could not be made durable; retry shortly", 1));
            if (accepted.isDone()) {
                return accepted.handle(answer);
            }
            // Built on the channel's event loop, not on the WAL thread that completes the future: every microsecond
            // that thread spends delays the next group commit of every connection.
            return accepted.handleAsync(answer, onLoop(call.channel().eventLoop()));
        } catch (BadRequestException e) {
            throw ApiError.badRequest(e.reason(), e.getMessage());
        } catch (QueueFullException e) {
            throw ApiError.unavailable("overloaded", "the tracker is at its queue limit (" + e.getMessage()
                    + "); retry shortly", 1);
        }
    }

    /** The user-agent client hints Yauaa reads; no other header goes into the agent cache's key. */
    private static final java.util.List<String> CLIENT_HINTS = java.util.List.of("sec-ch-ua", "sec-ch-ua-arch",
            "sec-ch-ua-bitness", "sec-ch-ua-form-factors", "sec-ch-ua-full-version", "sec-ch-ua-full-version-list",
            "sec-ch-ua-mobile", "sec-ch-ua-model", "sec-ch-ua-platform", "sec-ch-ua-platform-version", "sec-ch-ua-wow64");
    /** Longer hint values are not hints (a brand list is some 100 characters). */
    static final int MAX_HINT_CHARS = 256;

    /** The known {@code Sec-CH-UA*} headers (user-agent client hints) by lower-case name, each capped; usually none. */
    static java.util.Map<String, String> clientHints(HttpHeaders h) {
        if (!h.contains("sec-ch-ua") && !h.contains("sec-ch-ua-platform") && !h.contains("sec-ch-ua-mobile")) {
            return java.util.Map.of(); // most requests: three lookups, no iteration
        }
        java.util.Map<String, String> hints = new java.util.HashMap<>(8);
        for (String name : CLIENT_HINTS) {
            String v = h.get(name);
            if (v != null) {
                hints.put(name, v.length() > MAX_HINT_CHARS ? v.substring(0, MAX_HINT_CHARS) : v);
            }
        }
        return hints;
    }

    /** Runs on {@code loop}, or here once the loop is shut down (the router then finds no loop to answer on either). */
    private static java.util.concurrent.Executor onLoop(java.util.concurrent.Executor loop) {
        return task -> {
            try {
                loop.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                task.run();
            }
        };
    }

    /**
     * The first {@code url} query parameter if it may be redirected to — a listed host, a valid {@code sig} for exactly
     * this URL, or {@code links.openRedirect} — else {@code links.defaultUrl} when no url is given, else null.
     */
    private String redirectTarget(String rawQuery) {
        Map<String, List<String>> params = rawQuery == null ? Map.of()
                : new io.netty.handler.codec.http.QueryStringDecoder(rawQuery, false).parameters();
        List<String> urls = params.get("url");
        String url = urls == null || urls.isEmpty() ? null : urls.get(0);
        if (url == null || url.isBlank()) {
            return links.defaultUrl().isEmpty() ? null : links.defaultUrl();
        }
        if (!io.tracker.core.business.ShortLinks.httpTarget(url)) {
            return null;
        }
        List<String> sig = params.get("sig");
        boolean allowed = links.openRedirect()
                || io.tracker.core.business.ShortLinks.allowedTarget(url, links.allowedHosts())
                || (sig != null && !sig.isEmpty() && signer.verify(url, sig.get(0)));
        return allowed ? url : null;
    }

    private FullHttpResponse respond(Route route, Ingest.IngestResult result, String target, boolean secure) {
        FullHttpResponse response = switch (route) {
            case REDIRECT, XREDIRECT, SHORT_LINK -> {
                FullHttpResponse r = HttpResponses.empty(HttpResponseStatus.FOUND);
                r.headers().set(HttpHeaderNames.LOCATION, target);
                r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
                yield r;
            }
            case TRACK, WEBSOCKET, PROXY, STATIC, SEGMENT -> HttpResponses.empty(HttpResponseStatus.OK); // the last four answer elsewhere
            case SERVER -> HttpResponses.json(HttpResponseStatus.OK, idsBody(result.eids()));
            case PIXEL -> {
                FullHttpResponse r = HttpResponses.bytes(HttpResponseStatus.OK, "image/gif", HttpResponses.PIXEL);
                r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
                yield r;
            }
        };
        if (route.isBrowser() && result.vid() != null) {
            response.headers().add(HttpHeaderNames.SET_COOKIE, VidCookie.encode(result.vid(), tracking, secure));
        }
        return response;
    }

    private static Object idsBody(List<UUID> eids) {
        if (eids.size() == 1) {
            return Map.of("eid", eids.get(0).toString());
        }
        return Map.of("eids", eids.stream().map(UUID::toString).toList());
    }

    private static Map<String, String> cookies(HttpHeaders h) {
        String header = h.get(HttpHeaderNames.COOKIE);
        if (header == null || header.isEmpty()) {
            return Map.of();
        }
        Map<String, String> out = new HashMap<>();
        for (Cookie c : ServerCookieDecoder.LAX.decode(header)) {
            out.putIfAbsent(c.name(), c.value());
        }
        return out;
    }
}
