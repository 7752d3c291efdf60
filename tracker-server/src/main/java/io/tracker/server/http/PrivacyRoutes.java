package io.tracker.server.http;

import static io.tracker.server.http.ApiSupport.body;
import static io.tracker.server.http.ApiSupport.done;
import static io.tracker.server.http.ApiSupport.param;
import static io.tracker.server.http.ApiSupport.render;
import static io.tracker.server.http.ApiSupport.uuid;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tracker.core.batch.BatchManager;
import io.tracker.core.business.Consents;
import io.tracker.core.business.DataSubjects;
import io.tracker.core.business.Payload;
import io.tracker.core.enrich.GeoIp;
import io.tracker.core.model.Row;
import io.tracker.core.model.Tables;
import io.tracker.core.pipeline.EventIds;
import io.tracker.core.session.SessionReader;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Privacy (spec §2.6, §2.8, §2.11): consent agreements, the jurisdiction list, GeoIP, the data-subject API (export and
 * erasure, admin only) and {@code /clear}.
 */
public final class PrivacyRoutes {
    private static final Logger log = LoggerFactory.getLogger(PrivacyRoutes.class);

    private final ApiSupport api;
    private final BatchManager batches;
    private final SessionReader reader;
    private final Consents consents;
    private final DataSubjects subjects;
    private final GeoIp geoip;
    private final byte[] jurisdictions;
    private final long subjectFlushMillis;
    private final EventIds ids = new EventIds();

    private final java.util.function.Consumer<UUID> forgetEverywhere;

    /** {@code forgetEverywhere}: tells the other nodes of a cluster to record an erasure too (no-op on one node). */
    public PrivacyRoutes(ApiSupport api, BatchManager batches, SessionReader reader, Consents consents,
                         DataSubjects subjects, GeoIp geoip, byte[] jurisdictions, long subjectFlushMillis,
                         java.util.function.Consumer<UUID> forgetEverywhere) {
        this.forgetEverywhere = forgetEverywhere;
        this.api = api;
        this.batches = batches;
        this.reader = reader;
        this.consents = consents;
        this.subjects = subjects;
        this.geoip = geoip;
        this.jurisdictions = jurisdictions;
        this.subjectFlushMillis = subjectFlushMillis;
    }

    public Routes.Builder register(Routes.Builder table) {
        return table
                .exact("/tr/v1/ppi/agree").methods("GET", "POST").access(Routes.Access.API)
                .to((call, rest) -> api.async(() -> call.method().equals("POST") ? agree(call) : agreements(call)))
                .exact("/tr/v1/ppi/jds").methods("GET", "HEAD").access(Routes.Access.API)
                .to((call, rest) -> done(HttpResponses.bytes(HttpResponseStatus.OK, "application/json", jurisdictions)))
                .exact("/tr/v1/ppi/geoip").methods("GET", "HEAD").access(Routes.Access.API)
                .to((call, rest) -> api.async(() -> geoip(call)))
                .exact("/tr/v1/ppi/subject").methods("GET", "DELETE").access(Routes.Access.ADMIN)
                .to((call, rest) -> api.async(() -> subject(call)))
                .exact("/clear").methods("GET", "HEAD").noCors().to((call, rest) -> done(clear()));
    }

    /** {@code /clear}: asks the browser to drop this site's cookies and storage (spec §2.11). */
    private static FullHttpResponse clear() {
        FullHttpResponse r = HttpResponses.json(HttpResponseStatus.OK, Map.of("cleared", true));
        r.headers().set("Clear-Site-Data", "\"cookies\", \"storage\", \"cache\"");
        return r;
    }

    private CompletableFuture<FullHttpResponse> agree(HttpCall call) throws Exception {
        ObjectNode body = Payload.object(body(call));
        var h = call.request().headers();
        ClientAddress address = api.address();
        List<Row> rows = consents.rows(body, address.host(call.channel(), h), address.ip(call.channel(), h),
                h.get(HttpHeaderNames.USER_AGENT), System.currentTimeMillis());
        CompletableFuture<Void> stored = batches.enqueue(rows); // agreement and history together
        Map<String, Object> out = Map.of("vid", rows.get(0).get("vid").toString(), "cflags", rows.get(0).get("cflags"));
        return stored.thenApply(v -> HttpResponses.json(HttpResponseStatus.OK, out));
    }

    private CompletableFuture<FullHttpResponse> agreements(HttpCall call) throws Exception {
        UUID vid = uuid(param(call, "vid"));
        if (vid == null) {
            throw ApiError.badRequest("bad_field", "vid: a UUID query parameter is required");
        }
        List<Map<String, Object>> rows = reader.find(Tables.AGREEMENTS, Map.of("vid", vid), "updated_at", 1_000);
        return done(HttpResponses.json(HttpResponseStatus.OK, render(rows)));
    }

    private CompletableFuture<FullHttpResponse> geoip(HttpCall call) {
        String ip = param(call, "ip");
        if (ip != null && io.tracker.core.config.Cidr.literal(ip) == null) {
            throw ApiError.badRequest("bad_ip", "ip: not an IP address"); // the request is wrong whatever is configured
        }
        if (geoip == null) {
            // 501, not 503: retrying will not help until an operator sets geoip.path.
            throw ApiError.of(HttpResponseStatus.NOT_IMPLEMENTED, "geoip_off",
                    "GeoIP is not configured on this tracker (geoip.path)");
        }
        if (ip == null) {
            ip = api.address().ip(call.channel(), call.request().headers());
        }
        GeoIp.Lookup l = geoip.lookup(ip);
        return switch (l.status()) {
            case OK -> done(HttpResponses.json(HttpResponseStatus.OK, geo(ip, l.location())));
            case INVALID -> throw ApiError.badRequest("bad_ip", "ip: not an IP address");
            case NOT_FOUND -> throw ApiError.notFound("not_found", "no location for this IP");
            case ERROR -> throw ApiError.of(HttpResponseStatus.INTERNAL_SERVER_ERROR, "geoip_error", "lookup failed");
        };
    }

    private CompletableFuture<FullHttpResponse> subject(HttpCall call) throws Exception {
        api.requireAdmin(call);
        String key = param(call, "vid") != null ? "vid" : param(call, "uid") != null ? "uid" : null;
        UUID id = key == null ? null : uuid(param(call, key));
        if (id == null) {
            throw ApiError.badRequest("bad_field", "vid or uid: a UUID query parameter is required");
        }
        boolean erase = call.method().equals("DELETE");
        if (erase) {
            // Durably first: queued, spooled or WAL rows of the subject are never delivered after this, here or on the
            // cluster's other nodes.
            batches.forget(id);
            forgetEverywhere.accept(id);
        }
        // Rows acknowledged a moment ago may still be queued: let them land (or be dropped) first.
        batches.flush().get(subjectFlushMillis, TimeUnit.MILLISECONDS);
        if (!erase) {
            Map<String, Object> out = new LinkedHashMap<>();
            subjects.export(key, id, 100_000).forEach((t, rows) -> out.put(t, render(rows)));
            return done(HttpResponses.json(HttpResponseStatus.OK, out));
        }
        DataSubjects.Erasure erasure = subjects.erase(key, id);
        Map<String, Long> deleted = erasure.deleted();
        log.atInfo().addKeyValue("key", key).addKeyValue("rows", deleted).addKeyValue("pending", erasure.pending())
                .log(erasure.pending().isEmpty() ? "data subject erased" : "data subject erasure taken, still running");
        // The record of it, in every session: a write-only one (NATS) has nothing to delete, but its consumers learn
        // to erase downstream.
        Row record = new io.tracker.core.model.RowBuilder(Tables.ERASURES).eid(ids.next())
                .set("subject", id).set("id_type", key).set("created_at", System.currentTimeMillis()).build();
        // 202 while a store still runs its delete (a ClickHouse mutation waiting for merges under load): it is held
        // durably there (the node keeps fencing for it a while); an export may show the rows until it is done.
        return batches.enqueue(List.of(record)).thenApply(v -> erasure.pending().isEmpty()
                ? HttpResponses.json(HttpResponseStatus.OK, Map.of("deleted", deleted))
                : HttpResponses.json(HttpResponseStatus.ACCEPTED, Map.of("status", "pending", "pending", erasure.pending())));
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
}
