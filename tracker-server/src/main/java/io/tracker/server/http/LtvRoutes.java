package io.tracker.server.http;

import static io.tracker.server.http.ApiSupport.body;
import static io.tracker.server.http.ApiSupport.done;
import static io.tracker.server.http.ApiSupport.uuid;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tracker.core.batch.BatchManager;
import io.tracker.core.business.Ltv;
import io.tracker.core.business.Payload;
import io.tracker.core.model.Row;
import io.tracker.core.model.Tables;
import io.tracker.core.privacy.Hashes;
import io.tracker.core.session.SessionReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Lifetime value (spec §2.5): {@code POST /tr/v1/ltv/} records payments and their increments, all or nothing, a retried
 * line item once; {@code GET /tr/v1/ltv/{uid|vid|invid}/{id}} answers a total to an admin. A refund needs an admin.
 */
public final class LtvRoutes {
    private final ApiSupport api;
    private final BatchManager batches;
    private final SessionReader reader;
    private final Ltv ltv;
    private final boolean requireKey;

    public LtvRoutes(ApiSupport api, BatchManager batches, SessionReader reader, Ltv ltv, boolean requireKey) {
        this.api = api;
        this.batches = batches;
        this.reader = reader;
        this.ltv = ltv;
        this.requireKey = requireKey;
    }

    public Routes.Builder register(Routes.Builder table) {
        return table.prefix("/tr/v1/ltv").methods("GET", "POST").access(Routes.Access.ADMIN_UNLESS_POST)
                .to((call, rest) -> api.async(() -> call.method().equals("POST") ? record(call) : total(call, rest)));
    }

    private CompletableFuture<FullHttpResponse> record(HttpCall call) throws Exception {
        ObjectNode body = Payload.object(body(call));
        Ltv.Rows rows = ltv.rows(body, hhash(call), System.currentTimeMillis());
        if (rows.refund() || requireKey) {
            api.requireAdmin(call); // a refund lowers somebody's total: never from an anonymous caller
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

    private CompletableFuture<FullHttpResponse> total(HttpCall call, String rest) throws Exception {
        String[] parts = rest.split("/");
        if (parts.length < 2 || !Ltv.ID_TYPES.contains(parts[0])) {
            throw ApiError.badRequest("bad_path", "GET /tr/v1/ltv/{uid|vid|invid}/{id}");
        }
        api.requireAdmin(call);
        UUID id = uuid(parts[1]);
        if (id == null) {
            throw ApiError.badRequest("bad_field", "id: must be a UUID");
        }
        var total = reader.sum(Tables.LTV, "paid", Map.of("id_type", parts[0], "id", id));
        return done(HttpResponses.json(HttpResponseStatus.OK,
                Map.of("id_type", parts[0], "id", id.toString(), "total", total.toPlainString())));
    }

    private String hhash(HttpCall call) {
        String host = api.address().host(call.channel(), call.request().headers());
        return host == null || host.isEmpty() ? null : Hashes.hostHash(host);
    }
}
