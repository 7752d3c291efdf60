package io.tracker.backends.facebook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A local stand-in for the Graph API's {@code POST /{version}/{pixel}/events} that checks every request against the
 * Conversions API's documented payload rules (the real API cannot be reached from here) and answers as it does:
 * {@code {"events_received": n}}, or an {@code {"error": {...}}} object. Every rule broken is recorded; faults are
 * injected on request (5xx for the first requests, a refusal for chosen event ids).
 */
public final class GraphApiStub implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final Set<String> SOURCES = Set.of("website", "app", "email", "phone_call", "chat", "physical_store",
            "system_generated", "business_messaging", "other");
    private static final Set<String> HASHED = Set.of("em", "ph", "external_id", "country", "ct", "st", "zp", "fn", "ln",
            "ge", "db");

    final String version;
    final String pixel;
    final String token;
    private final HttpServer server;
    /** Accepted events: event_id → times accepted. */
    public final Map<String, Integer> accepted = new ConcurrentHashMap<>();
    public final List<JsonNode> acceptedEvents = Collections.synchronizedList(new ArrayList<>());
    /** Rules broken by a request, in words. */
    public final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    final List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger posts = new AtomicInteger();
    final AtomicInteger serverErrors = new AtomicInteger();
    final Set<String> testEventCodes = ConcurrentHashMap.newKeySet();
    /** Answer 500 to this many requests first. */
    volatile int failFirst;
    /** Answer 429 (throttled) to this many requests first. */
    volatile int throttleFirst;
    /** Event ids refused with code 100, as the API does for an event breaking a rule we do not check here. */
    final Set<String> refuse = ConcurrentHashMap.newKeySet();

    public GraphApiStub(String version, String pixel, String token) throws IOException {
        this.version = version;
        this.pixel = pixel;
        this.token = token;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            byte[] in = x.getRequestBody().readAllBytes();
            if (!x.getRequestMethod().equals("POST")) {
                answer(x, 400, error(100, "Unsupported get request", null));
                return;
            }
            posts.incrementAndGet();
            if (x.getRequestURI().getRawQuery() != null) {
                violations.add("a query string in the URL (the token belongs in the body): " + x.getRequestURI());
            }
            if (!x.getRequestURI().getPath().equals("/" + version + "/" + pixel + "/events")) {
                violations.add("path " + x.getRequestURI().getPath());
                answer(x, 400, error(100, "Unknown path components", null));
                return;
            }
            String type = x.getRequestHeaders().getFirst("Content-Type");
            if (type == null || !type.startsWith("application/json")) {
                violations.add("Content-Type " + type);
            }
            JsonNode body;
            try {
                body = JSON.readTree(in);
            } catch (IOException e) {
                violations.add("body is not JSON");
                answer(x, 400, error(100, "Invalid parameter", "not JSON"));
                return;
            }
            if (!token.equals(body.path("access_token").asText(null))) {
                // Some APIs echo what they were given: the session must not repeat it.
                answer(x, 400, error(190, "Invalid OAuth access token - Cannot parse access token "
                        + body.path("access_token").asText(""), null));
                return;
            }
            if (throttleFirst > 0) {
                throttleFirst--;
                answer(x, 429, error(80004, "There have been too many calls to this ad-account.", null));
                return;
            }
            if (failFirst > 0) {
                failFirst--;
                serverErrors.incrementAndGet();
                answer(x, 500, error(2, "An unexpected error has occurred. Please retry your request later.", null));
                return;
            }
            if (body.has("test_event_code")) {
                testEventCodes.add(body.get("test_event_code").asText());
            }
            JsonNode data = body.path("data");
            if (!data.isArray() || data.isEmpty() || data.size() > 1000) {
                violations.add("data must be an array of 1 to 1000 events (got " + data.size() + ")");
                answer(x, 400, error(100, "Invalid parameter", "data"));
                return;
            }
            long now = System.currentTimeMillis() / 1000;
            for (JsonNode e : data) {
                String broken = check(e, now);
                if (broken != null) {
                    violations.add(broken + ": " + e);
                    answer(x, 400, error(100, "Invalid parameter", broken));
                    return;
                }
                if (refuse.contains(e.path("event_id").asText())) {
                    answer(x, 400, error(100, "Invalid parameter", "Event " + e.path("event_id").asText()
                            + " refused by the test"));
                    return;
                }
            }
            batchSizes.add(data.size());
            for (JsonNode e : data) {
                accepted.merge(e.get("event_id").asText(), 1, Integer::sum);
                acceptedEvents.add(e);
            }
            answer(x, 200, "{\"events_received\":" + data.size() + ",\"messages\":[],\"fbtrace_id\":\"AbCdEf\"}");
        }
    }

    /** The first documented rule {@code e} breaks, or null. */
    private static String check(JsonNode e, long now) {
        if (!e.path("event_name").isTextual() || e.path("event_name").asText().isBlank()) {
            return "event_name is required";
        }
        if (!e.path("event_time").isIntegralNumber()) {
            return "event_time must be a Unix time in seconds";
        }
        long t = e.get("event_time").asLong();
        if (t < now - 7 * 86_400 || t > now + 60) {
            return "event_time more than 7 days ago or in the future";
        }
        if (!e.path("event_id").isTextual()) {
            return "event_id must be a string";
        }
        String source = e.path("action_source").asText("");
        if (!SOURCES.contains(source)) {
            return "action_source '" + source + "'";
        }
        JsonNode user = e.path("user_data");
        if (!user.isObject()) {
            return "user_data is required";
        }
        if ("website".equals(source) && (!e.path("event_source_url").isTextual() || !user.path("client_user_agent").isTextual())) {
            return "website events need event_source_url and client_user_agent";
        }
        boolean identified = false;
        for (var f : (Iterable<Map.Entry<String, JsonNode>>) user::fields) {
            String k = f.getKey();
            JsonNode v = f.getValue();
            if (HASHED.contains(k)) {
                if (!v.isArray() || v.isEmpty()) {
                    return "user_data." + k + " must be an array";
                }
                for (JsonNode h : v) {
                    if (!h.isTextual() || !HEX64.matcher(h.asText()).matches()) {
                        return "user_data." + k + " must hold SHA-256 hashes (64 lowercase hex digits), got " + h;
                    }
                }
                identified |= !k.equals("country") && !k.equals("ct") && !k.equals("st") && !k.equals("zp");
            } else if (k.equals("client_ip_address")) {
                if (!v.asText().matches("\\d{1,3}(\\.\\d{1,3}){3}|[0-9a-fA-F:.]+")) {
                    return "client_ip_address must be an IP address";
                }
                identified |= user.has("client_user_agent");
            } else if (k.equals("fbp") || k.equals("fbc")) {
                if (!v.asText().startsWith("fb.")) {
                    return k + " must be the _fbp/_fbc cookie value";
                }
                identified = true;
            } else if (!k.equals("client_user_agent")) {
                return "user_data." + k + " is not a known parameter";
            }
        }
        if (!identified) {
            return "user_data needs a customer information parameter";
        }
        JsonNode custom = e.path("custom_data");
        if (custom.has("value") && !custom.get("value").isNumber()) {
            return "custom_data.value must be a number";
        }
        if (custom.has("currency") && !custom.get("currency").asText().matches("[A-Za-z]{3}")) {
            return "custom_data.currency must be an ISO 4217 code";
        }
        if (e.get("event_name").asText().equals("Purchase") && (!custom.has("value") || !custom.has("currency"))) {
            return "Purchase events need custom_data.value and custom_data.currency";
        }
        return null;
    }

    private static String error(int code, String message, String userMessage) {
        var n = JSON.createObjectNode();
        var e = n.putObject("error").put("message", message).put("type", "OAuthException").put("code", code)
                .put("fbtrace_id", "AbCdEf");
        if (userMessage != null) {
            e.put("error_subcode", 2804019).put("error_user_msg", userMessage);
        }
        return n.toString();
    }

    private static void answer(HttpExchange x, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
