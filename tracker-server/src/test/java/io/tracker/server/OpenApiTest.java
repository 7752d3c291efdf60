package io.tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracker.server.http.Routes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /docs/openapi.json} against the route table of a running tracker with every optional family on (the proxy,
 * ACME challenges, aliases): every route and method is documented, and nothing documented is missing from the table.
 * Operations name a route by their path, or by {@code x-route} when the path spells a prefix route's parameters.
 */
class OpenApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> METHODS = Set.of("get", "head", "post", "put", "patch", "delete", "options");

    @TempDir
    Path dataDir;
    private Tracker tracker;

    @AfterEach
    void stop() {
        if (tracker != null) {
            tracker.stop();
        }
    }

    @Test
    void everyRouteIsDocumentedAndNothingElse() throws Exception {
        tracker = TestTrackers.start(dataDir, c -> {
            ((com.fasterxml.jackson.databind.node.ObjectNode) c.get("proxy")).put("url", "http://127.0.0.1:9");
            ((com.fasterxml.jackson.databind.node.ObjectNode) c.get("api")).put("prefix", "/stats-api/");
        });
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + tracker.port() + "/docs/openapi.json")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        JsonNode doc = JSON.readTree(r.body());
        assertEquals("3.1.0", doc.get("openapi").asText());
        Set<String> documented = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("paths").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            String route = p.getValue().has("x-route") ? p.getValue().get("x-route").asText() : p.getKey();
            for (Iterator<String> m = p.getValue().fieldNames(); m.hasNext(); ) {
                String method = m.next();
                if (METHODS.contains(method)) {
                    JsonNode op = p.getValue().get(method);
                    assertTrue(op.hasNonNull("summary") && op.hasNonNull("responses"), p.getKey() + " " + method);
                    documented.add(method.toUpperCase(java.util.Locale.ROOT) + " " + route);
                }
            }
        }
        Set<String> served = new TreeSet<>();
        for (Routes.Route route : tracker.routes().all()) {
            for (String method : route.methods()) {
                served.add(method + " " + docPath(route.display()));
            }
        }
        Set<String> undocumented = new TreeSet<>(served);
        undocumented.removeAll(documented);
        Set<String> phantom = new TreeSet<>(documented);
        phantom.removeAll(served);
        assertEquals(List.of(), List.copyOf(undocumented), "routes missing from /docs/openapi.json");
        assertEquals(List.of(), List.copyOf(phantom), "documented routes the tracker does not serve");
    }

    /** The documented spelling of a configurable path: the defaults ({@code /api/} for the read APIs). */
    private static String docPath(String path) {
        return path.startsWith("/stats-api/") ? "/api/" + path.substring("/stats-api/".length())
                : path.startsWith("/api/") ? "{proxy.prefix}/" + path.substring("/api/".length()) : path;
    }
}
