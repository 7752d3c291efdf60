package io.tracker.backends.facebook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.backends.Failures;
import io.tracker.core.model.Row;
import io.tracker.core.model.Table;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionException;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Meta's Conversions API as a write-only session, so batching, retries, the breaker, the spool and dead letters come
 * from the batch manager. An {@code events} row whose {@code ename} is mapped in {@code events}, and (as
 * {@code purchaseEvent}) a {@code payments} row, is sent as a server event when its visitor agreed to marketing:
 * the row's {@code cflags} carry {@code marketingBit}, or, without flags of its own, the latest consent this session
 * saw for the visitor ({@code agreements}, earlier events), else {@code consentWhenAbsent}. Bots, rows older than the
 * API's 7 days and rows with nothing to match a person by are not sent. {@code user_data} carries only SHA-256 hashes
 * of normalised identifiers ({@code em}, {@code ph} from the event's params, hashed by the client, {@code external_id}
 * from uid or vid,
 * {@code country}, {@code ct}, {@code st}, {@code zp}), plus the client IP (as stored, i.e. as
 * {@code privacy.ipMode} left it), the user agent (the event's {@code client_user_agent} or {@code ua} param: the
 * tracker stores the browser parsed, not the raw string) and the {@code fbp}/{@code fbc} cookies; {@code event_id} is the
 * row's event id, which Meta uses to deduplicate against the browser pixel and against a retry. Requests carry at
 * most {@code maxEventsPerRequest} events, the token in the body (never in the URL). A 4xx answer about the events
 * (an invalid parameter) is a rejection: the batch manager isolates the rows and dead-letters the refused ones with
 * the API's message; throttling, 5xx, timeouts, and a bad token, missing permission or unknown pixel (which would
 * refuse every row alike) are outages: retried, with the rows kept in the breaker and spool meanwhile.
 */
public final class FacebookCapiSession implements Session {
    private static final Logger log = LoggerFactory.getLogger(FacebookCapiSession.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> ACTION_SOURCES = List.of("website", "app", "email", "phone_call", "chat",
            "physical_store", "system_generated", "business_messaging", "other");
    /** The API refuses events older than 7 days; an hour of margin for the request's own way. */
    static final long MAX_AGE_MILLIS = Duration.ofDays(7).minusHours(1).toMillis();
    /** Graph API error codes that mean "slow down", not "bad data" (rate limits, temporary unavailability). */
    private static final Set<Integer> THROTTLED = Set.of(1, 2, 4, 17, 32, 341, 613, 80004);
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    private final String name;
    private final FacebookCapiSettings settings;
    private final URI endpoint;
    /** Visitor → consent bits, newest seen (agreements and events), oldest dropped beyond rememberedVisitors. */
    private final Map<UUID, Long> consent;
    /** Event ids the API acknowledged recently: a retried batch does not send them again. */
    private final Map<UUID, Boolean> sent;
    private volatile HttpClient http;
    private volatile boolean healthy;

    public FacebookCapiSession(String name, FacebookCapiSettings settings) {
        this.name = name;
        this.settings = settings;
        String base = settings.graphUrl().endsWith("/") ? settings.graphUrl() : settings.graphUrl() + "/";
        this.endpoint = URI.create(base + settings.apiVersion() + "/" + settings.pixelId() + "/events");
        int visitors = settings.rememberedVisitors();
        this.consent = java.util.Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<UUID, Long> eldest) {
                return size() > visitors;
            }
        });
        this.sent = java.util.Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
                return size() > settings.rememberedEvents();
            }
        });
    }

    @Override
    public String name() {
        return name;
    }

    /** The request URL (no secret in it). */
    URI endpoint() {
        return endpoint;
    }

    @Override
    public void open(List<Table> tables) {
        if (http == null) {
            http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(Math.min(settings.requestTimeoutMillis(), 10_000)))
                    .followRedirects(HttpClient.Redirect.NEVER).build();
        }
        healthy = true;
        log.atInfo().addKeyValue("session", name).addKeyValue("endpoint", endpoint).addKeyValue("events",
                settings.events().keySet()).log("facebook conversions api open");
    }

    @Override
    public void write(Table table, List<Row> rows) throws SessionException {
        write(table, rows, false);
    }

    @Override
    public void write(Table table, List<Row> rows, boolean mayRepeat) throws SessionException {
        HttpClient client = http;
        if (client == null) {
            throw Failures.notOpen("session " + name + ": not open");
        }
        List<ObjectNode> events = new ArrayList<>();
        List<UUID> ids = new ArrayList<>();
        switch (table.name()) {
            case "agreements", "agreed" -> {
                for (Row r : rows) {
                    if (r.get("vid") instanceof UUID vid && r.get("cflags") instanceof Long flags) {
                        consent.put(vid, flags);
                    }
                }
                return;
            }
            case "events", "payments" -> {
                long now = System.currentTimeMillis();
                int old = 0;
                for (Row r : rows) {
                    ObjectNode e = table.name().equals("events") ? fromEvent(r) : fromPayment(r);
                    if (e == null || (mayRepeat && sent.containsKey(r.eid()))) {
                        continue;
                    }
                    if (!(r.get("created_at") instanceof Long at) || at < now - MAX_AGE_MILLIS) {
                        old++;
                        continue;
                    }
                    events.add(e);
                    ids.add(r.eid());
                }
                if (old > 0) {
                    log.atWarn().addKeyValue("session", name).addKeyValue("rows", old)
                            .log("events older than 7 days not sent: the Conversions API refuses them");
                }
            }
            default -> {
                return; // nothing of this table goes to Meta
            }
        }
        for (int from = 0; from < events.size(); from += settings.maxEventsPerRequest()) {
            int to = Math.min(events.size(), from + settings.maxEventsPerRequest());
            post(client, table, events.subList(from, to));
            ids.subList(from, to).forEach(id -> sent.put(id, Boolean.TRUE));
        }
        healthy = true;
    }

    /** Whether the row's visitor agreed to marketing (see the class comment); learns the consent an event carries. */
    private boolean consented(Row r) {
        Object vid = r.get("vid");
        Long own = r.table().hasColumn("cflags") && r.get("cflags") instanceof Long l ? l : null;
        if (own != null && vid instanceof UUID v) {
            consent.put(v, own);
        }
        Long known = vid instanceof UUID v ? consent.get(v) : null;
        long flags = own != null ? own : known != null ? known : settings.consentWhenAbsent();
        return (flags & settings.marketingBit()) != 0;
    }

    private ObjectNode fromEvent(Row r) throws SessionException {
        boolean agreed = consented(r);
        String event = r.get("ename") instanceof String ename ? settings.events().get(ename) : null;
        if (event == null || !agreed || Boolean.TRUE.equals(r.get("is_bot"))) {
            return null;
        }
        JsonNode params = params(r);
        ObjectNode custom = JSON.createObjectNode();
        BigDecimal value = number(params.get("value"));
        if (value != null) {
            custom.put("value", value);
        }
        String currency = text(params.get("currency"));
        if (currency != null) {
            custom.put("currency", currency.toUpperCase(Locale.ROOT));
        }
        for (String k : List.of("order_id", "content_category", "content_name", "search_string")) {
            String s = text(params.get(k));
            if (s != null) {
                custom.put(k, s);
            }
        }
        BigDecimal ltv = number(params.get("predicted_ltv"));
        if (ltv != null) {
            custom.put("predicted_ltv", ltv);
        }
        return event(r, event, params, custom);
    }

    private ObjectNode fromPayment(Row r) throws SessionException {
        if (settings.purchaseEvent().isEmpty() || !consented(r)) {
            return null;
        }
        ObjectNode custom = JSON.createObjectNode();
        BigDecimal value = r.get("total") instanceof BigDecimal t ? t : r.get("revenue") instanceof BigDecimal v ? v : null;
        if (value == null && r.get("price") instanceof BigDecimal price) {
            value = price.multiply(r.get("qty") instanceof Double q ? BigDecimal.valueOf(q) : BigDecimal.ONE);
        }
        if (value != null) {
            custom.put("value", value.stripTrailingZeros());
        }
        if (r.get("currency") instanceof String c && !c.isBlank()) {
            custom.put("currency", c.trim().toUpperCase(Locale.ROOT));
        }
        Object order = r.get("orid") != null ? r.get("orid") : r.get("invid");
        if (order != null) {
            custom.put("order_id", order.toString());
        }
        if (r.get("product") instanceof String p && !p.isBlank()) {
            custom.put("content_name", p);
        }
        if (r.get("product_id") != null) {
            custom.putArray("content_ids").add(r.get("product_id").toString());
        }
        return event(r, settings.purchaseEvent(), JSON.createObjectNode(), custom);
    }

    /** The server event for a row, or null when it has nothing to match a person by. */
    private ObjectNode event(Row r, String eventName, JsonNode params, ObjectNode custom) throws SessionException {
        if ("Purchase".equals(eventName) && (!custom.has("value") || !custom.has("currency"))) {
            throw SessionException.rejected("session " + name + ": row " + r.eid() + " is a Purchase without a value "
                    + "and a currency (the Conversions API requires both)", null);
        }
        ObjectNode user = JSON.createObjectNode();
        Object id = r.get("uid") != null ? r.get("uid") : r.get("vid");
        if (id != null) {
            user.putArray("external_id").add(sha256(id.toString().toLowerCase(Locale.ROOT)));
        }
        String em = hashedOnly(text(params.get("em")));
        if (em != null) {
            user.putArray("em").add(em);
        }
        String ph = hashedOnly(text(params.get("ph")));
        if (ph != null) {
            user.putArray("ph").add(ph);
        }
        hashed(user, "country", string(r, "country"), s -> s.length() == 2 && s.chars().allMatch(Character::isLetter) ? s : null);
        hashed(user, "ct", string(r, "city"), s -> letters(s));
        hashed(user, "st", string(r, "region"), s -> letters(s));
        hashed(user, "zp", string(r, "zip"), s -> s.replaceAll("[\\s\\-]", "").isEmpty() ? null : s.replaceAll("[\\s\\-]", ""));
        String ip = string(r, "ip");
        if (ip != null && io.tracker.core.config.Cidr.literal(ip) != null) {
            user.put("client_ip_address", ip);
        }
        // The tracker keeps the browser parsed (name, version, OS), never the raw User-Agent the API matches on: it
        // comes from the event itself, as Meta's own field or the shorter ua.
        String ua = text(params.get("client_user_agent"));
        ua = ua != null ? ua : text(params.get("ua"));
        if (ua != null && ua.length() <= 1_000) {
            user.put("client_user_agent", ua);
        }
        for (String k : List.of("fbp", "fbc")) {
            String s = text(params.get(k));
            if (s != null && s.startsWith("fb.") && s.length() <= 500) {
                user.put(k, s);
            }
        }
        if (!user.has("external_id") && !user.has("em") && !user.has("ph") && !user.has("client_ip_address")
                && !user.has("fbp") && !user.has("fbc")) {
            return null;
        }
        // The tracker stores page URLs without their scheme (spec §4.4): the API wants an absolute one.
        String url = string(r, "url");
        if (url != null && !url.contains("://") && !url.startsWith("/") && url.indexOf('.') > 0) {
            url = "https://" + url;
        }
        boolean page = url != null && (url.startsWith("https://") || url.startsWith("http://"));
        String source = settings.actionSource().equals("website") && !(page && ua != null) ? "other" : settings.actionSource();
        ObjectNode e = JSON.createObjectNode();
        e.put("event_name", eventName);
        e.put("event_time", (Long) r.get("created_at") / 1000);
        e.put("event_id", r.eid().toString());
        e.put("action_source", source);
        if (page) {
            e.put("event_source_url", url);
        }
        e.set("user_data", user);
        if (!custom.isEmpty()) {
            e.set("custom_data", custom);
        }
        return e;
    }

    private void post(HttpClient client, Table table, List<ObjectNode> events) throws SessionException {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode data = body.putArray("data");
        events.forEach(data::add);
        body.put("access_token", settings.accessToken());
        if (!settings.testEventCode().isEmpty()) {
            body.put("test_event_code", settings.testEventCode());
        }
        HttpResponse<String> answer;
        try {
            HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofMillis(settings.requestTimeoutMillis()))
                    .header("Content-Type", "application/json").header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build();
            answer = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            healthy = false;
            throw SessionException.unavailable("session " + name + ": interrupted", e);
        } catch (IOException | RuntimeException e) {
            healthy = false;
            throw Failures.classify("session " + name + ", table " + table.name() + ": " + events.size()
                    + " events not sent: " + clean(String.valueOf(e.getMessage())), e, t -> false,
                    t -> t instanceof IOException);
        }
        int status = answer.statusCode();
        if (status / 100 == 2) {
            JsonNode received = tree(answer.body()).path("events_received");
            if (received.isInt() && received.asInt() != events.size()) {
                log.atWarn().addKeyValue("session", name).addKeyValue("sent", events.size())
                        .addKeyValue("received", received.asInt()).log("the Conversions API counted fewer events than sent");
            }
            return;
        }
        JsonNode error = tree(answer.body()).path("error");
        int code = error.path("code").asInt(-1);
        String message = "session " + name + ", table " + table.name() + ": the Conversions API answered " + status
                + " to " + events.size() + " events: " + clean(error.path("message").asText(answer.body().length() > 300
                ? answer.body().substring(0, 300) : answer.body()))
                + (error.has("error_user_msg") ? " (" + clean(error.path("error_user_msg").asText()) + ")" : "")
                + (code >= 0 ? " [code " + code + (error.has("error_subcode") ? "/" + error.path("error_subcode").asInt() : "")
                + "]" : "") + (error.has("fbtrace_id") ? " fbtrace_id=" + clean(error.path("fbtrace_id").asText()) : "");
        if (!aboutTheEvents(status, code, error.path("error_subcode").asInt(-1)) || error.path("is_transient").asBoolean(false)) {
            healthy = false;
            throw SessionException.unavailable(message, null);
        }
        throw SessionException.rejected(message, null);
    }

    /**
     * Whether an error answer is about the events sent (a rejection: the batch manager isolates and dead-letters the
     * refused rows) rather than about this session or the API (an outage: breaker and spool, nothing dead-lettered):
     * throttling (429, codes 4, 17, 32, 613, 80004…), 5xx, an invalid or expired token (190, 102), missing permissions
     * (10, 200-299), a pixel that does not exist (100/33) or a wrong URL (3xx, 401, 403, 404) would refuse every row
     * alike, and wait for the operator instead.
     */
    static boolean aboutTheEvents(int status, int code, int subcode) {
        if (status == 429 || status / 100 == 5 || status / 100 == 3 || status == 401 || status == 403 || status == 404) {
            return false;
        }
        if (THROTTLED.contains(code) || code == 190 || code == 102 || code == 10 || (code >= 200 && code <= 299)
                || (code == 100 && subcode == 33)) {
            return false;
        }
        return status / 100 == 4;
    }

    /** The API's words, never with the token in them. */
    private String clean(String s) {
        return settings.accessToken().isEmpty() ? s : s.replace(settings.accessToken(), "***");
    }

    private static JsonNode tree(String body) {
        try {
            return JSON.readTree(body == null || body.isEmpty() ? "{}" : body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private JsonNode params(Row r) {
        Object p = r.table().hasColumn("params") ? r.get("params") : null;
        if (p instanceof String s && !s.isEmpty()) {
            JsonNode n = tree(s);
            if (n.isObject()) {
                return n;
            }
        }
        return JSON.createObjectNode();
    }

    private static String string(Row r, String column) {
        return r.table().hasColumn(column) && r.get(column) instanceof String s && !s.isBlank() ? s.trim() : null;
    }

    private static String text(JsonNode n) {
        if (n == null || n.isNull() || n.isContainerNode()) {
            return null;
        }
        String s = n.asText().trim();
        return s.isEmpty() ? null : s;
    }

    private static BigDecimal number(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isNumber()) {
            return n.decimalValue();
        }
        if (n.isTextual()) {
            try {
                return new BigDecimal(n.asText().trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static void hashed(ObjectNode user, String key, String raw,
                               java.util.function.UnaryOperator<String> normalise) {
        if (raw == null) {
            return;
        }
        String n = normalise.apply(raw.toLowerCase(Locale.ROOT));
        if (n != null && !n.isEmpty()) {
            user.putArray(key).add(HEX64.matcher(n).matches() ? n : sha256(n));
        }
    }

    private static String letters(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().filter(Character::isLetter).forEach(b::appendCodePoint);
        return b.isEmpty() ? null : b.toString();
    }

    /**
     * An {@code em}/{@code ph} param as the client hashed it (SHA-256 of the normalised email or phone, 64 hex
     * digits), or null: raw values never reach a row (the pipeline drops them, {@code PiiHashStep}) and are not sent.
     */
    static String hashedOnly(String value) {
        if (value == null) {
            return null;
        }
        String s = value.trim().toLowerCase(Locale.ROOT);
        return HEX64.matcher(s).matches() ? s : null;
    }

    static String sha256(String s) {
        return io.tracker.core.privacy.Hashes.sha256Hex(s);
    }

    @Override
    public boolean isHealthy() {
        return healthy && http != null;
    }

    /** An HTTP round trip to the Graph API's host: any answer (even a 4xx) means it is reachable. */
    @Override
    public boolean probe() {
        HttpClient client = http;
        if (client == null) {
            return false;
        }
        try {
            client.send(HttpRequest.newBuilder(endpoint.resolve("/")).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        http = null;
        healthy = false;
    }
}
