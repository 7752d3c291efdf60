package io.tracker.server.http;

import static io.tracker.server.http.ApiSupport.body;
import static io.tracker.server.http.ApiSupport.done;
import static io.tracker.server.http.ApiSupport.param;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.tracker.core.business.LinkSigner;
import io.tracker.core.business.Payload;
import io.tracker.core.business.ShortLinks;
import io.tracker.core.pipeline.Route;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Short links (spec §2.10): the admin API under {@code /tr/v1/rpi/} (create, delete, list, sign a redirect) and the
 * catch-all that follows a short link — 302, recorded as an event — for any GET no other route declares.
 */
public final class LinkRoutes {
    private final ApiSupport api;
    private final ShortLinks links;
    private final LinkSigner signer;
    private final TrackHandler track;

    public LinkRoutes(ApiSupport api, ShortLinks links, LinkSigner signer, TrackHandler track) {
        this.api = api;
        this.links = links;
        this.signer = signer;
        this.track = track;
    }

    public Routes.Builder register(Routes.Builder table) {
        return table
                .exact("/tr/v1/rpi/redirect").methods("POST", "DELETE").access(Routes.Access.ADMIN)
                .to((call, rest) -> api.async(() -> call.method().equals("POST") ? create(call) : delete(call)))
                .exact("/tr/v1/rpi/sign").methods("POST").access(Routes.Access.ADMIN)
                .to((call, rest) -> api.async(() -> sign(call)))
                .prefix("/tr/v1/rpi/redirects").methods("GET").access(Routes.Access.ADMIN)
                .to((call, rest) -> api.async(() -> list(call, rest)))
                .fallback(this::follow);
    }

    private CompletableFuture<FullHttpResponse> create(HttpCall call) throws Exception {
        String principal = api.requireAdmin(call);
        ObjectNode body = Payload.object(body(call));
        String host = api.address().host(call.channel(), call.request().headers());
        return links.create(body, host == null ? "" : host, principal, System.currentTimeMillis())
                .thenApply(l -> HttpResponses.json(HttpResponseStatus.CREATED, link(l)));
    }

    private CompletableFuture<FullHttpResponse> delete(HttpCall call) throws Exception {
        String principal = api.requireAdmin(call);
        String url = param(call, "urlfrom");
        if (url == null) {
            throw ApiError.badRequest("bad_url", "DELETE needs ?urlfrom=https://host/path");
        }
        java.net.URI u;
        try {
            u = java.net.URI.create(url.contains("://") ? url : "https://" + url);
        } catch (IllegalArgumentException e) {
            u = null;
        }
        if (u == null || u.getHost() == null) {
            throw ApiError.badRequest("bad_url", "urlfrom: must be a URL");
        }
        return links.delete(u.getHost(), u.getRawPath(), principal, System.currentTimeMillis())
                .thenApply(found -> {
                    if (!found) {
                        throw ApiError.notFound("not_found", "no such link");
                    }
                    return HttpResponses.json(HttpResponseStatus.OK, Map.of("deleted", true));
                });
    }

    /** A signed {@code /tr/v1/rdr/} link: redirects there whatever {@code links.allowedHosts} lists. */
    private CompletableFuture<FullHttpResponse> sign(HttpCall call) throws Exception {
        api.requireAdmin(call);
        String url = Payload.text(Payload.object(body(call)), "url");
        if (url == null || !ShortLinks.httpTarget(url)) {
            throw ApiError.badRequest("bad_url", "url: an absolute http(s) URL is required");
        }
        return done(HttpResponses.json(HttpResponseStatus.OK,
                Map.of("url", url, "sig", signer.sign(url), "link", signer.trackedLink(url))));
    }

    private CompletableFuture<FullHttpResponse> list(HttpCall call, String host) throws Exception {
        api.requireAdmin(call);
        if (host.isEmpty() || host.contains("/")) {
            throw ApiError.badRequest("bad_path", "GET /tr/v1/rpi/redirects/{host}");
        }
        List<Map<String, Object>> out = new ArrayList<>();
        links.list(host, 10_000).forEach(l -> out.add(link(l)));
        return done(HttpResponses.json(HttpResponseStatus.OK, Map.of("results", out)));
    }

    /** Catch-all GET: a short link → 302 (recorded as an event), anything else → 404 JSON. */
    private CompletableFuture<FullHttpResponse> follow(HttpCall call, String path) {
        return api.async(() -> {
            String host = api.address().host(call.channel(), call.request().headers());
            Optional<String> to = links.resolve(host == null ? "" : host, call.path());
            if (to.isEmpty()) {
                throw ApiError.notFound("not_found", "no such link or route");
            }
            String target = to.get();
            StringBuilder query = new StringBuilder("etyp=redirect&ename=short_rdr");
            int tracked = target.indexOf(ShortLinks.TRACKED_PATH);
            if (tracked >= 0) { // a tracked link: resolve it in one hop, its parameters describe the visit
                QueryStringDecoder d = new QueryStringDecoder(target);
                List<String> url = d.parameters().get("url");
                int q = target.indexOf('?');
                if (q >= 0) {
                    query.append('&').append(target.substring(q + 1));
                }
                if (url != null && !url.isEmpty() && ShortLinks.httpTarget(url.get(0))) {
                    target = url.get(0);
                }
            } else {
                query.append("&url=").append(java.net.URLEncoder.encode(target, java.nio.charset.StandardCharsets.UTF_8));
            }
            return track.record(call, Route.SHORT_LINK, "", query.toString(), target);
        });
    }

    private static Map<String, Object> link(ShortLinks.Link l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("urlfrom", l.urlfrom());
        m.put("urlto", l.urlto());
        m.put("updater", l.updater());
        m.put("updated_at", Instant.ofEpochMilli(l.updatedAt()).toString());
        return m;
    }
}
