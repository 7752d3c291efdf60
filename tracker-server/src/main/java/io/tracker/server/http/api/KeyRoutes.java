package io.tracker.server.http.api;

import static io.tracker.server.http.ApiSupport.body;
import static io.tracker.server.http.ApiSupport.done;
import static io.tracker.server.http.ApiSupport.param;
import static io.tracker.server.http.ApiSupport.uuid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tracker.core.business.ApiKeys;
import io.tracker.core.business.Payload;
import io.tracker.server.http.ApiError;
import io.tracker.server.http.ApiSupport;
import io.tracker.server.http.HttpCall;
import io.tracker.server.http.HttpResponses;
import io.tracker.server.http.Routes;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The tenants' API keys, for admins: {@code POST /tr/v1/rpi/keys} creates one ({@code {"oid", "scopes", "name"}} →
 * the secret, shown once), {@code GET /tr/v1/rpi/keys[?oid=]} lists them (never a secret), {@code DELETE
 * /tr/v1/rpi/keys/{id}} revokes one, effective at once.
 */
public final class KeyRoutes {
    private final ApiSupport api;
    private final ApiKeys keys;

    public KeyRoutes(ApiSupport api, ApiKeys keys) {
        this.api = api;
        this.keys = keys;
    }

    public Routes.Builder register(Routes.Builder table) {
        return table.prefix("/tr/v1/rpi/keys").methods("GET", "POST", "DELETE").access(Routes.Access.ADMIN)
                .to((call, rest) -> api.async(() -> {
                    api.requireAdmin(call);
                    return switch (call.method()) {
                        case "POST" -> {
                            if (!rest.isEmpty()) {
                                throw ApiError.notFound("not_found", "POST /tr/v1/rpi/keys creates a key");
                            }
                            yield create(call);
                        }
                        case "DELETE" -> revoke(rest);
                        default -> list(call, rest);
                    };
                }));
    }

    private CompletableFuture<FullHttpResponse> create(HttpCall call) throws Exception {
        ObjectNode body = Payload.object(body(call));
        UUID oid = uuid(body.path("oid").asText(null));
        if (oid == null) {
            throw ApiError.badRequest("bad_field", "oid: the tenant's UUID is required");
        }
        JsonNode s = body.path("scopes");
        if (!s.isArray() || s.isEmpty()) {
            throw ApiError.badRequest("bad_field", "scopes: a non-empty array of " + scopes());
        }
        EnumSet<ApiKeys.Scope> scopes = EnumSet.noneOf(ApiKeys.Scope.class);
        for (JsonNode n : s) {
            ApiKeys.Scope scope = ApiKeys.Scope.of(n.asText());
            if (scope == null) {
                throw ApiError.badRequest("bad_field", "scopes: '" + n.asText() + "' is not one of " + scopes());
            }
            scopes.add(scope);
        }
        String name = body.path("name").asText("");
        if (name.length() > 200) {
            throw ApiError.badRequest("bad_field", "name: at most 200 characters");
        }
        return keys.create(oid, scopes, name).thenApply(created -> {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("key", created.secret());
            out.putAll(created.key().view());
            FullHttpResponse r = HttpResponses.json(HttpResponseStatus.CREATED, out);
            r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store"); // the secret is in it
            return r;
        });
    }

    private CompletableFuture<FullHttpResponse> list(HttpCall call, String rest) throws Exception {
        if (!rest.isEmpty()) {
            String id = rest;
            return done(keys.list(null).stream().filter(k -> k.id().equals(id)).findFirst()
                    .map(k -> HttpResponses.json(HttpResponseStatus.OK, k.view()))
                    .orElseThrow(() -> ApiError.notFound("no_such_key", "no key " + id)));
        }
        String o = param(call, "oid");
        UUID oid = o == null ? null : uuid(o);
        if (o != null && oid == null) {
            throw ApiError.badRequest("bad_field", "oid: a UUID");
        }
        List<Map<String, Object>> out = keys.list(oid).stream().map(ApiKeys.Key::view).toList();
        return done(HttpResponses.json(HttpResponseStatus.OK, Map.of("keys", out)));
    }

    private CompletableFuture<FullHttpResponse> revoke(String id) throws Exception {
        if (id.isEmpty() || id.contains("/")) {
            throw ApiError.badRequest("bad_path", "DELETE /tr/v1/rpi/keys/{id}");
        }
        try {
            return keys.revoke(id).thenApply(found -> {
                if (!found) {
                    throw ApiError.notFound("no_such_key", "no key " + id);
                }
                return HttpResponses.json(HttpResponseStatus.OK, Map.of("id", id, "revoked", true));
            });
        } catch (IllegalStateException e) {
            throw ApiError.of(HttpResponseStatus.CONFLICT, "declared_key", e.getMessage());
        }
    }

    private static String scopes() {
        return String.join(", ", io.tracker.core.config.ApiConfig.SCOPES);
    }
}
