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

    public ApiSupport(ExecutorService pool, AdminAuth admin, ClientAddress address, Rejections rejections) {
        this.pool = pool;
        this.admin = admin;
        this.address = address;
        this.rejections = rejections;
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
