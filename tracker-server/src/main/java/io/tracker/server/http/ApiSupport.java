package io.tracker.server.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.tracker.core.batch.QueueFullException;
import io.tracker.core.business.AdminAuth;
import io.tracker.core.pipeline.BadRequestException;
import io.tracker.core.session.SessionException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the business route families share: a bounded pool that runs their blocking reads and writes (never an event
 * loop), the admin check, and the small request and rendering helpers. Every failure of a handler becomes one
 * {@link ApiError}, counted once.
 */
public final class ApiSupport {
    private static final Logger log = LoggerFactory.getLogger(ApiSupport.class);
    private static final String ADMIN_CHALLENGE = "Bearer realm=\"tracker\", Basic realm=\"tracker\"";

    private final ExecutorService pool;
    private final AdminAuth admin;
    private final ClientAddress address;
    private final Rejections rejections;
    private final io.tracker.core.business.ApiKeys keys;

    public ApiSupport(ExecutorService pool, AdminAuth admin, ClientAddress address, Rejections rejections,
                      io.tracker.core.business.ApiKeys keys) {
        this.pool = pool;
        this.admin = admin;
        this.address = address;
        this.rejections = rejections;
        this.keys = keys;
    }

    /**
     * Who is asking, for the tenant-scoped APIs: the tenant {@code oid} every query is confined to, and the key's id
     * (null for an admin, who names the tenant with {@code ?oid=}).
     */
    public record Caller(UUID oid, String keyId) {
    }

    /** The API key of an {@code Authorization} header ({@code Bearer trk_…}, or Basic {@code trk_…:} as SDKs send). */
    public static String apiKey(String authorization) {
        if (authorization == null) {
            return null;
        }
        String h = authorization.trim();
        if (h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String k = h.substring(7).trim();
            return io.tracker.core.business.ApiKeys.looksLikeKey(k) ? k : null;
        }
        if (h.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(java.util.Base64.getDecoder().decode(h.substring(6).trim()),
                        java.nio.charset.StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                String user = colon < 0 ? decoded : decoded.substring(0, colon);
                return io.tracker.core.business.ApiKeys.looksLikeKey(user) && (colon < 0 || colon == decoded.length() - 1)
                        ? user : null;
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }

    /**
     * The caller of a tenant-scoped API with {@code scope}: an API key of that scope (its tenant, whatever the request
     * says), or an admin naming the tenant in {@code ?oid=}. No credential, or one that is unknown or revoked → 401;
     * a key without the scope → 403. Blocks on a key lookup: call it on the API pool.
     */
    public Caller requireScope(HttpCall call, io.tracker.core.business.ApiKeys.Scope scope) throws SessionException {
        String authorization = call.request().headers().get(HttpHeaderNames.AUTHORIZATION);
        String key = apiKey(authorization);
        if (key != null) {
            return requireKey(key, scope);
        }
        if (authorization != null && admin.authenticate(authorization).isPresent()) {
            String oid = param(call, "oid");
            UUID tenant = uuid(oid);
            if (tenant == null) {
                throw ApiError.badRequest("bad_field", "oid: an admin names the tenant with ?oid=<uuid>");
            }
            return new Caller(tenant, null);
        }
        throw ApiError.of(HttpResponseStatus.UNAUTHORIZED, "unauthorized",
                        "an API key with the scope " + scope.wire() + " is required (Authorization: Bearer <key>)")
                .withHeader(HttpHeaderNames.WWW_AUTHENTICATE, ADMIN_CHALLENGE);
    }

    /** The caller of API key {@code key} (as sent, e.g. a Segment body's {@code writeKey}) if it has {@code scope}. */
    public Caller requireKey(String key, io.tracker.core.business.ApiKeys.Scope scope) throws SessionException {
        var found = keys == null || !io.tracker.core.business.ApiKeys.looksLikeKey(key)
                ? java.util.Optional.<io.tracker.core.business.ApiKeys.Key>empty() : keys.authenticate(key);
        if (found.isEmpty()) {
            throw ApiError.of(HttpResponseStatus.UNAUTHORIZED, "invalid_key", "the API key is unknown or revoked")
                    .withHeader(HttpHeaderNames.WWW_AUTHENTICATE, ADMIN_CHALLENGE);
        }
        if (!found.get().allows(scope)) {
            throw ApiError.forbidden("missing_scope", "the API key lacks the scope " + scope.wire());
        }
        return new Caller(found.get().oid(), found.get().id());
    }

    /** A blocking step of a handler: may throw {@link ApiError} and the request-level exceptions. */
    public interface Work {
        CompletableFuture<FullHttpResponse> run() throws Exception;
    }

    /** Runs {@code work} on the API pool; its failures become the matching answers. */
    public CompletableFuture<FullHttpResponse> async(Work work) {
        CompletableFuture<FullHttpResponse> out = new CompletableFuture<>();
        try {
            pool.execute(() -> {
                try {
                    work.run().whenComplete((r, e) -> out.complete(e == null ? r : notStored(e)));
                } catch (Exception e) {
                    out.complete(failed(e));
                }
            });
        } catch (RejectedExecutionException e) {
            out.complete(rejections.answer(ApiError.unavailable("overloaded", "too many API requests in flight; retry shortly", 1)));
        }
        return out;
    }

    private FullHttpResponse failed(Throwable e) {
        if (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof ApiError api) {
            return rejections.answer(api);
        }
        if (e instanceof BadRequestException bad) {
            return rejections.answer(ApiError.badRequest(bad.reason(), bad.getMessage()));
        }
        if (e instanceof QueueFullException) {
            return rejections.answer(ApiError.unavailable("overloaded", "the tracker is at its queue limit; retry shortly", 1));
        }
        if (e instanceof io.tracker.core.query.Analytics.Unsupported u) {
            return rejections.answer(ApiError.badRequest("unsupported_query", u.getMessage()));
        }
        if (e instanceof SessionException || e instanceof TimeoutException) {
            log.atWarn().setCause(e).log("business read failed");
            return rejections.answer(ApiError.unavailable("storage_unavailable", "the store cannot answer right now; retry shortly", 1));
        }
        log.atWarn().setCause(e).log("business request failed");
        return rejections.answer(ApiError.internal());
    }

    /** The answer when a write's future failed: its rows are not durable (or a handler's own {@link ApiError}). */
    private FullHttpResponse notStored(Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof ApiError api) {
            return rejections.answer(api);
        }
        log.atWarn().setCause(cause).log("business write failed");
        return rejections.answer(ApiError.unavailable("storage_error", "the write could not be completed; retry shortly", 1));
    }

    /** The admin principal of the call, checked once (a basic password costs a PBKDF2 run); else a 401. */
    public String requireAdmin(HttpCall call) {
        return admin.authenticate(call.request().headers().get(HttpHeaderNames.AUTHORIZATION)).orElseThrow(() ->
                ApiError.of(HttpResponseStatus.UNAUTHORIZED, "unauthorized", admin.configured()
                        ? "admin credentials required (Authorization: Bearer or Basic)"
                        : "no admin credentials are configured: set TRACKER_ADMIN_TOKEN")
                        .withHeader(HttpHeaderNames.WWW_AUTHENTICATE, ADMIN_CHALLENGE));
    }

    public ClientAddress address() {
        return address;
    }

    public static CompletableFuture<FullHttpResponse> done(FullHttpResponse r) {
        return CompletableFuture.completedFuture(r);
    }

    public static byte[] body(HttpCall call) {
        return ByteBufUtil.getBytes(call.request().content());
    }

    /** The first non-blank value of query parameter {@code name}, trimmed, or null. */
    public static String param(HttpCall call, String name) {
        if (call.rawQuery() == null) {
            return null;
        }
        List<String> v = new QueryStringDecoder("?" + call.rawQuery()).parameters().get(name);
        return v == null || v.isEmpty() || v.get(0).isBlank() ? null : v.get(0).trim();
    }

    /** A JSON body's scalar field as trimmed text, null when absent, null or blank; a 400 {@code code} when not scalar. */
    public static String text(com.fasterxml.jackson.databind.JsonNode body, String field, String code) {
        com.fasterxml.jackson.databind.JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isValueNode()) {
            throw ApiError.badRequest(code, field + ": a string");
        }
        String s = n.asText().trim();
        return s.isEmpty() ? null : s;
    }

    public static UUID uuid(String s) {
        return io.tracker.core.pipeline.EventIds.parse(s);
    }

    /** Rows as JSON: ids and decimals as strings, {@code *_at} times as ISO instants. */
    public static List<Map<String, Object>> render(List<Map<String, Object>> rows) {
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
}
