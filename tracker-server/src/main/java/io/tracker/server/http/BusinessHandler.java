package io.tracker.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.tracker.core.batch.BatchManager;
import io.tracker.core.batch.QueueFullException;
import io.tracker.core.business.AdminAuth;
import io.tracker.core.business.Consents;
import io.tracker.core.business.DataSubjects;
import io.tracker.core.business.Ltv;
import io.tracker.core.business.Payload;
import io.tracker.core.business.ShortLinks;
import io.tracker.core.enrich.GeoIp;
import io.tracker.core.model.Row;
import io.tracker.core.model.Tables;
import io.tracker.core.pipeline.BadRequestException;
import io.tracker.core.pipeline.Route;
import io.tracker.core.privacy.Hashes;
import io.tracker.core.session.SessionException;
import io.tracker.core.session.SessionReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The business endpoints (spec §2.5–§2.12, quirks fixed): LTV, short links, privacy/consent, GeoIP, the
 * data-subject API, {@code /clear} and the short-link catch-all. Every answer is JSON with a reason on error; reads
 * run on a small pool of their own, never on an event loop.
 */
public final class BusinessHandler {
    private static final Logger log = LoggerFactory.getLogger(BusinessHandler.class);
    private static final String ADMIN_CHALLENGE = "Bearer realm=\"tracker\", Basic realm=\"tracker\"";

    private final BatchManager batches;
    private final SessionReader api;
    private final ShortLinks links;
    private final Ltv ltv;
    private final Consents consents;
    private final DataSubjects subjects;
    private final GeoIp geoip;
    private final AdminAuth admin;
    private final ClientAddress address;
    private final TrackHandler track;
    private final Rejections rejections;
    private final ExecutorService pool;
    private final byte[] jurisdictions;
    private final long subjectFlushMillis;
    private final boolean ltvRequireKey;
    private final io.tracker.core.pipeline.EventIds ids = new io.tracker.core.pipeline.EventIds();
    private final io.tracker.core.business.LinkSigner signer;

    public BusinessHandler(BatchManager batches, SessionReader api, ShortLinks links, Ltv ltv,
                           Consents consents, DataSubjects subjects, GeoIp geoip, AdminAuth admin,
                           ClientAddress address, TrackHandler track, Rejections rejections, ExecutorService pool,
                           byte[] jurisdictions, long subjectFlushMillis, boolean ltvRequireKey,
                           io.tracker.core.business.LinkSigner signer) {
        this.signer = signer;
        this.ltvRequireKey = ltvRequireKey;
        this.batches = batches;
        this.api = api;
        this.links = links;
        this.ltv = ltv;
        this.consents = consents;
        this.subjects = subjects;
        this.geoip = geoip;
        this.admin = admin;
        this.address = address;
        this.track = track;
        this.rejections = rejections;
        this.pool = pool;
        this.jurisdictions = jurisdictions;
        this.subjectFlushMillis = subjectFlushMillis;
    }

    /** A blocking step of a handler: may throw the request-level exceptions. */
    private interface Work {
        CompletableFuture<FullHttpResponse> run() throws Exception;
    }

    /** The response for {@code /tr/v1/<segment>/...}; null when the segment is not a business route. */
    public CompletableFuture<FullHttpResponse> handleApi(HttpCall call, String segment, String rest) {
        return switch (segment) {
            case "ltv" -> async(() -> ltv(call, rest));
            case "rpi" -> async(() -> shortLinks(call, rest));
            case "ppi" -> async(() -> privacy(call, rest));
            default -> null;
        };
    }

    /** {@code /clear}: asks the browser to drop this site's cookies and storage (spec §2.11). */
    public FullHttpResponse clear() {
        FullHttpResponse r = HttpResponses.json(HttpResponseStatus.OK, Map.of("cleared", true));
        r.headers().set("Clear-Site-Data", "\"cookies\", \"storage\", \"cache\"");
        return r;
    }

    /** Catch-all GET: a short link → 302 (recorded as an event), anything else → 404 JSON. */
    public CompletableFuture<FullHttpResponse> shortLink(HttpCall call) {
        return async(() -> {
            String host = address.host(call.request().headers());
            Optional<String> to = links.resolve(host == null ? "" : host, call.path());
            if (to.isEmpty()) {
                rejections.count("not_found");
                return done(HttpResponses.error(HttpResponseStatus.NOT_FOUND, "not_found", "no such link or route"));
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

    private CompletableFuture<FullHttpResponse> ltv(HttpCall call, String rest) throws Exception {
        if (call.method().equals("POST")) {
            ObjectNode body = Payload.object(body(call));
            Ltv.Rows rows = ltv.rows(body, hhash(call), System.currentTimeMillis());
            if (rows.refund() || ltvRequireKey) {
                requireAdmin(call); // a refund lowers somebody's total: never from an anonymous caller
            }
            List<Row> all = new ArrayList<>(rows.payments());
            all.addAll(rows.ltv());
            // Payments and increments: all or nothing. Client line-item ids: replay-checked, so a retry counts once.
            CompletableFuture<Void> stored = batches.enqueue(all, rows.idempotent());
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("payments", rows.payments().stream().map(r -> r.eid().toString()).toList());
            out.put("revenue", rows.revenue().toPlainString());
            out.put("currency", rows.currency());
            return stored.thenApply(v -> HttpResponses.json(HttpResponseStatus.OK, out));
        }
        if (call.method().equals("GET")) {
            String[] parts = rest.split("/");
            if (parts.length < 2 || !Ltv.ID_TYPES.contains(parts[0])) {
                return done(bad("bad_path", "GET /tr/v1/ltv/{uid|vid|invid}/{id}"));
            }
            requireAdmin(call);
            UUID id = uuid(parts[1]);
            if (id == null) {
                return done(bad("bad_field", "id: must be a UUID"));
            }
            var total = api.sum(Tables.LTV, "paid", Map.of("id_type", parts[0], "id", id));
            return done(HttpResponses.json(HttpResponseStatus.OK,
                    Map.of("id_type", parts[0], "id", id.toString(), "total", total.toPlainString())));
        }
        return done(notAllowed(call, "GET, POST, OPTIONS"));
    }

    private CompletableFuture<FullHttpResponse> shortLinks(HttpCall call, String rest) throws Exception {
        String principal = requireAdmin(call);
        if (rest.equals("redirect") || rest.equals("redirect/")) {
            if (call.method().equals("POST")) {
                ObjectNode body = Payload.object(body(call));
                String host = address.host(call.request().headers());
                return links.create(body, host == null ? "" : host, principal, System.currentTimeMillis())
                        .thenApply(l -> HttpResponses.json(HttpResponseStatus.CREATED, link(l)));
            }
            if (call.method().equals("DELETE")) {
                String url = param(call, "urlfrom");
                if (url == null) {
                    return done(bad("bad_url", "DELETE needs ?urlfrom=https://host/path"));
                }
                java.net.URI u = java.net.URI.create(url.contains("://") ? url : "https://" + url);
                if (u.getHost() == null) {
                    return done(bad("bad_url", "urlfrom: must be a URL"));
                }
                return links.delete(u.getHost(), u.getRawPath(), principal, System.currentTimeMillis())
                        .thenApply(found -> found
                                ? HttpResponses.json(HttpResponseStatus.OK, Map.of("deleted", true))
                                : HttpResponses.error(HttpResponseStatus.NOT_FOUND, "not_found", "no such link"));
            }
            return done(notAllowed(call, "POST, DELETE, OPTIONS"));
        }
        if (rest.equals("sign")) { // a signed /tr/v1/rdr/ link: redirects there whatever links.allowedHosts lists
            if (!call.method().equals("POST")) {
                return done(notAllowed(call, "POST, OPTIONS"));
            }
            String url = Payload.text(Payload.object(body(call)), "url");
            if (url == null || !ShortLinks.httpTarget(url)) {
                return done(bad("bad_url", "url: an absolute http(s) URL is required"));
            }
            return done(HttpResponses.json(HttpResponseStatus.OK,
                    Map.of("url", url, "sig", signer.sign(url), "link", signer.trackedLink(url))));
        }
        if (rest.startsWith("redirects/") && call.method().equals("GET")) {
            String host = rest.substring("redirects/".length());
            if (host.isEmpty() || host.contains("/")) {
                return done(bad("bad_path", "GET /tr/v1/rpi/redirects/{host}"));
            }
            List<Map<String, Object>> out = new ArrayList<>();
            links.list(host, 10_000).forEach(l -> out.add(link(l)));
            return done(HttpResponses.json(HttpResponseStatus.OK, Map.of("results", out)));
        }
        return done(HttpResponses.error(HttpResponseStatus.NOT_FOUND, "not_found", "no such shortener route"));
    }

    private CompletableFuture<FullHttpResponse> privacy(HttpCall call, String action) throws Exception {
        switch (action) {
            case "agree": {
                if (call.method().equals("POST")) {
                    ObjectNode body = Payload.object(body(call));
                    var h = call.request().headers();
                    List<Row> rows = consents.rows(body, address.host(h), address.ip(call.channel(), h),
                            h.get(HttpHeaderNames.USER_AGENT), System.currentTimeMillis());
                    CompletableFuture<Void> stored = batches.enqueue(rows); // agreement and history together
                    Map<String, Object> out = Map.of("vid", rows.get(0).get("vid").toString(), "cflags", rows.get(0).get("cflags"));
                    return stored.thenApply(v -> HttpResponses.json(HttpResponseStatus.OK, out));
                }
                if (call.method().equals("GET")) {
                    UUID vid = uuid(param(call, "vid"));
                    if (vid == null) {
                        return done(bad("bad_field", "vid: a UUID query parameter is required"));
                    }
                    List<Map<String, Object>> rows = api.find(Tables.AGREEMENTS, Map.of("vid", vid), "updated_at", 1_000);
                    return done(HttpResponses.json(HttpResponseStatus.OK, render(rows)));
                }
                return done(notAllowed(call, "GET, POST, OPTIONS"));
            }
            case "jds":
                if (!call.method().equals("GET") && !call.method().equals("HEAD")) {
                    return done(notAllowed(call, "GET, HEAD, OPTIONS"));
                }
                return done(HttpResponses.bytes(HttpResponseStatus.OK, "application/json", jurisdictions));
            case "geoip": {
                if (!call.method().equals("GET") && !call.method().equals("HEAD")) {
                    return done(notAllowed(call, "GET, HEAD, OPTIONS"));
                }
                String ip = param(call, "ip");
                if (ip != null && io.tracker.core.config.Cidr.literal(ip) == null) {
                    return done(bad("bad_ip", "ip: not an IP address")); // the request is wrong whatever is configured
                }
                if (geoip == null) {
                    // 501, not 503: retrying will not help until an operator sets geoip.path.
                    return done(HttpResponses.error(HttpResponseStatus.NOT_IMPLEMENTED, "geoip_off",
                            "GeoIP is not configured on this tracker (geoip.path)"));
                }
                if (ip == null) {
                    ip = address.ip(call.channel(), call.request().headers());
                }
                GeoIp.Lookup l = geoip.lookup(ip);
                return done(switch (l.status()) {
                    case OK -> HttpResponses.json(HttpResponseStatus.OK, geo(ip, l.location()));
                    case INVALID -> bad("bad_ip", "ip: not an IP address");
                    case NOT_FOUND -> HttpResponses.error(HttpResponseStatus.NOT_FOUND, "not_found", "no location for this IP");
                    case ERROR -> HttpResponses.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "geoip_error", "lookup failed");
                });
            }
            case "subject": {
                requireAdmin(call);
                String key = param(call, "vid") != null ? "vid" : param(call, "uid") != null ? "uid" : null;
                UUID id = key == null ? null : uuid(param(call, key));
                if (id == null) {
                    return done(bad("bad_field", "vid or uid: a UUID query parameter is required"));
                }
                if (call.method().equals("DELETE")) {
                    // Durably first: queued, spooled or WAL rows of the subject are never delivered after this.
                    batches.forget(id);
                }
                // Rows acknowledged a moment ago may still be queued: let them land (or be dropped) first.
                batches.flush().get(subjectFlushMillis, TimeUnit.MILLISECONDS);
                if (call.method().equals("GET")) {
                    Map<String, Object> out = new LinkedHashMap<>();
                    subjects.export(key, id, 100_000).forEach((t, rows) -> out.put(t, render(rows)));
                    return done(HttpResponses.json(HttpResponseStatus.OK, out));
                }
                if (call.method().equals("DELETE")) {
                    Map<String, Long> deleted = subjects.erase(key, id);
                    log.atInfo().addKeyValue("key", key).addKeyValue("rows", deleted).log("data subject erased");
                    // The record of it, in every session: a write-only one (NATS) has nothing to delete, but its
                    // consumers learn to erase downstream.
                    Row record = new io.tracker.core.model.RowBuilder(Tables.ERASURES).eid(ids.next())
                            .set("subject", id).set("id_type", key).set("created_at", System.currentTimeMillis()).build();
                    return batches.enqueue(List.of(record))
                            .thenApply(v -> HttpResponses.json(HttpResponseStatus.OK, Map.of("deleted", deleted)));
                }
                return done(notAllowed(call, "GET, DELETE, OPTIONS"));
            }
            default:
                rejections.count("not_found");
                return done(HttpResponses.error(HttpResponseStatus.NOT_FOUND, "unknown_action",
                        "privacy actions: agree, jds, geoip, subject"));
        }
    }

    private CompletableFuture<FullHttpResponse> async(Work work) {
        CompletableFuture<FullHttpResponse> out = new CompletableFuture<>();
        try {
            pool.execute(() -> {
                try {
                    work.run().whenComplete((r, e) -> out.complete(e == null ? r
                            : HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "storage_error",
                                    "the write could not be completed; retry shortly")));
                } catch (NotAdmin e) {
                    out.complete(unauthorized());
                } catch (BadRequestException e) {
                    rejections.count(e.reason());
                    out.complete(bad(e.reason(), e.getMessage()));
                } catch (QueueFullException e) {
                    out.complete(unavailable("overloaded", "the tracker is at its queue limit; retry shortly"));
                } catch (SessionException | java.util.concurrent.TimeoutException e) {
                    log.atWarn().setCause(e).log("business read failed");
                    out.complete(unavailable("storage_unavailable", "the store cannot answer right now; retry shortly"));
                } catch (Exception e) {
                    log.atWarn().setCause(e).log("business request failed");
                    out.complete(HttpResponses.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal_error", "internal error"));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            out.complete(unavailable("overloaded", "too many API requests in flight; retry shortly"));
        }
        return out;
    }

    /** Thrown by {@link #requireAdmin}; answered 401 by {@link #async}. */
    private static final class NotAdmin extends Exception {
        NotAdmin() {
            super(null, null, false, false);
        }
    }

    /** The admin principal of the call, checked once (a basic password costs a PBKDF2 run). */
    private String requireAdmin(HttpCall call) throws NotAdmin {
        return admin.authenticate(call.request().headers().get(HttpHeaderNames.AUTHORIZATION)).orElseThrow(NotAdmin::new);
    }

    private FullHttpResponse unauthorized() {
        rejections.count("unauthorized");
        FullHttpResponse r = HttpResponses.error(HttpResponseStatus.UNAUTHORIZED, "unauthorized", admin.configured()
                ? "admin credentials required (Authorization: Bearer or Basic)"
                : "no admin credentials are configured: set TRACKER_ADMIN_TOKEN");
        r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, ADMIN_CHALLENGE);
        return r;
    }

    private List<Map<String, Object>> render(List<Map<String, Object>> rows) {
        List<Map<String, Object>> out = new ArrayList<>(rows.size());
        for (Map<String, Object> row : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            row.forEach((k, v) -> m.put(k, renderValue(k, v)));
            out.add(m);
        }
        return out;
    }

    private static Object renderValue(String column, Object v) {
        if (v instanceof UUID || v instanceof java.math.BigDecimal) {
            return v instanceof java.math.BigDecimal d ? d.toPlainString() : v.toString();
        }
        if (v instanceof Long l && (column.endsWith("_at") || column.equals("starts") || column.equals("ends"))) {
            return Instant.ofEpochMilli(l).toString();
        }
        return v;
    }

    private static Map<String, Object> link(ShortLinks.Link l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("urlfrom", l.urlfrom());
        m.put("urlto", l.urlto());
        m.put("updater", l.updater());
        m.put("updated_at", Instant.ofEpochMilli(l.updatedAt()).toString());
        return m;
    }

    private static Map<String, Object> geo(String ip, GeoIp.Location l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ip", ip);
        m.put("iso2", l.iso2());
        m.put("country", l.country());
        m.put("region", l.region());
        m.put("city", l.city());
        m.put("lat", l.lat());
        m.put("lon", l.lon());
        m.put("zip", l.zip());
        m.put("tz", l.tz());
        m.values().removeIf(java.util.Objects::isNull);
        return m;
    }

    private String hhash(HttpCall call) {
        String host = address.host(call.request().headers());
        return host == null || host.isEmpty() ? null : Hashes.hostHash(host);
    }

    private static byte[] body(HttpCall call) {
        return ByteBufUtil.getBytes(call.request().content());
    }

    private static String param(HttpCall call, String name) {
        if (call.rawQuery() == null) {
            return null;
        }
        List<String> v = new QueryStringDecoder("?" + call.rawQuery()).parameters().get(name);
        return v == null || v.isEmpty() || v.get(0).isBlank() ? null : v.get(0).trim();
    }

    private static UUID uuid(String s) {
        return io.tracker.core.pipeline.EventIds.parse(s);
    }

    private static CompletableFuture<FullHttpResponse> done(FullHttpResponse r) {
        return CompletableFuture.completedFuture(r);
    }

    private FullHttpResponse bad(String code, String message) {
        return HttpResponses.error(HttpResponseStatus.BAD_REQUEST, code, message);
    }

    private FullHttpResponse unavailable(String code, String message) {
        rejections.count(code);
        FullHttpResponse r = HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, code, message);
        r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        return r;
    }

    private FullHttpResponse notAllowed(HttpCall call, String allow) {
        rejections.count("method_not_allowed");
        FullHttpResponse r = HttpResponses.error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                call.method() + " is not allowed here");
        r.headers().set(HttpHeaderNames.ALLOW, allow);
        return r;
    }
}
