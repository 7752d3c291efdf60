package io.tracker.server.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.NetUtil;
import io.tracker.core.business.ApiKeys.Scope;
import io.tracker.core.config.SegmentConfig;
import io.tracker.core.pipeline.EventIds;
import io.tracker.core.pipeline.Route;
import io.tracker.core.privacy.UserIds;
import io.tracker.server.http.ApiError;
import io.tracker.server.http.ApiSupport;
import io.tracker.server.http.HttpCall;
import io.tracker.server.http.HttpResponses;
import io.tracker.server.http.Routes;
import io.tracker.server.http.TrackHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.zip.GZIPInputStream;

/**
 * The Segment HTTP Tracking API, so Segment, RudderStack and Jitsu SDKs only need our host: {@code POST
 * {prefix}/batch}, {@code /track}, {@code /page}, {@code /screen}, {@code /identify}, {@code /group}, {@code /alias}.
 * The write key is an {@code ingest} API key (HTTP Basic username, or the body's {@code writeKey}); its tenant is every
 * message's {@code oid}. Bodies may be gzip-compressed; a batch is at most {@code api.segment.maxBatchBytes}
 * (decompressed), a message {@code maxMessageBytes}; anything malformed is a 400 naming the message and nothing of the
 * request is stored.
 *
 * <p>A message becomes one event of the pipeline (enrichment, consent, IP mode): {@code type} → {@code etyp};
 * {@code event} → {@code ename} for track, {@code page_view}/{@code screen_view} for page/screen (their {@code name} in
 * {@code params.name}), the type itself otherwise; {@code properties}/{@code traits} → {@code params} (an
 * {@code email}/{@code phone} among them is hashed like the tracker's own, never stored in clear); {@code userId} →
 * {@code uid} (a UUID as is, else the keyed uid of {@link UserIds}, and {@code uname} for the salted {@code uhash});
 * {@code anonymousId} → {@code vid} likewise; {@code context} → the matching columns and the message's own IP,
 * user agent and locale; {@code timestamp} corrected for the client's clock by {@code sentAt}, as Segment does:
 * {@code receivedAt - (sentAt - timestamp)}.
 *
 * <p>{@code messageId} → a keyed event id of the tenant and message id, so a retry stores nothing new: a message id
 * accepted on this node in the last {@code dedupSeconds} is answered without a second write, one in flight is waited
 * for; a failed one may be sent again. A retry that reaches another node, or this one after a restart, is stored with
 * the same eid (a store keyed by eid — Cassandra — keeps one row; the others two with one eid).
 */
public final class SegmentRoutes {
    private static final Set<String> TYPES = Set.of("track", "page", "screen", "identify", "group", "alias");
    private static final int MAX_TEXT = 1_000;

    private final ApiSupport api;
    private final TrackHandler track;
    private final UserIds userIds;
    private final SegmentConfig config;
    private final int maxEventsPerRequest;
    private final LongSupplier clock;
    private final ObjectMapper mapper = new ObjectMapper();
    /** Message ids (as event ids) accepted or in flight here: a retry waits for, or answers from, the first. */
    private final Cache<UUID, CompletableFuture<Void>> recent;

    public SegmentRoutes(ApiSupport api, TrackHandler track, UserIds userIds, SegmentConfig config, int maxEventsPerRequest,
                         LongSupplier clock) {
        this.api = api;
        this.track = track;
        this.userIds = userIds;
        this.config = config;
        this.maxEventsPerRequest = maxEventsPerRequest;
        this.clock = clock;
        this.recent = Caffeine.newBuilder().maximumSize(config.dedupEntries())
                .expireAfterWrite(Duration.ofSeconds(Math.max(1, config.dedupSeconds()))).build();
    }

    public Routes.Builder register(Routes.Builder table) {
        if (!config.enabled()) {
            return table;
        }
        table.reserve(config.base());
        table.exact(config.base() + "/batch").methods("POST").access(Routes.Access.API)
                .to((call, rest) -> api.async(() -> ingest(call, null)));
        for (String type : TYPES) {
            table.exact(config.base() + "/" + type).methods("POST").access(Routes.Access.API)
                    .to((call, rest) -> api.async(() -> ingest(call, type)));
        }
        return table;
    }

    /** One message as the pipeline takes it, and the client facts it carries. */
    private record Message(UUID eid, ObjectNode event, Group group) {
    }

    /** Without an SDK session id, a visitor's events in one half-hour slot are one visit. */
    private static final long SESSION_SLOT_MILLIS = 30 * 60_000L;

    /** Messages with the same client facts go through the pipeline as one request. */
    private record Group(String ip, String userAgent, String locale) {
    }

    private CompletableFuture<FullHttpResponse> ingest(HttpCall call, String type) throws Exception {
        long receivedAt = clock.getAsLong();
        byte[] raw = decoded(call);
        JsonNode body;
        try {
            body = mapper.readTree(raw);
        } catch (IOException e) {
            throw ApiError.badRequest("bad_json", "the body is not JSON");
        }
        if (body == null || !body.isObject()) {
            throw ApiError.badRequest("bad_json", "the body is a JSON object");
        }
        UUID tenant = caller(call, body);
        List<JsonNode> messages = new ArrayList<>();
        if (type == null) {
            JsonNode batch = body.get("batch");
            if (batch == null || !batch.isArray()) {
                throw ApiError.badRequest("bad_batch", "batch: an array of messages is required");
            }
            batch.forEach(messages::add);
        } else {
            if (raw.length > config.maxMessageBytes()) {
                throw tooLarge(0);
            }
            messages.add(body);
        }
        JsonNode sharedContext = type == null ? body.get("context") : null;
        String batchSentAt = type == null ? text(body, "sentAt") : null;
        List<Message> out = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            if (!m.isObject()) {
                throw bad(i, "each message is a JSON object");
            }
            if (type == null && mapper.writeValueAsBytes(m).length > config.maxMessageBytes()) {
                throw tooLarge(i);
            }
            out.add(translate((ObjectNode) m, type, i, tenant, sharedContext, batchSentAt, receivedAt));
        }
        return store(call, out, tenant);
    }

    /** The tenant of the write key: Basic (or Bearer) credentials, else the body's {@code writeKey}. */
    private UUID caller(HttpCall call, JsonNode body) throws Exception {
        if (call.request().headers().get(HttpHeaderNames.AUTHORIZATION) == null && body.get("writeKey") != null
                && body.get("writeKey").isTextual()) {
            return api.requireKey(body.get("writeKey").asText().trim(), Scope.INGEST).oid();
        }
        return api.requireScope(call, Scope.INGEST).oid();
    }

    /** The body, gunzipped when it says so; at most {@code maxBatchBytes} either way. */
    private byte[] decoded(HttpCall call) {
        String encoding = call.request().headers().get(HttpHeaderNames.CONTENT_ENCODING);
        byte[] body = ApiSupport.body(call);
        if (encoding == null || encoding.isBlank() || encoding.trim().equalsIgnoreCase("identity")) {
            if (body.length > config.maxBatchBytes()) {
                throw batchTooLarge();
            }
            return body;
        }
        if (!encoding.trim().equalsIgnoreCase("gzip")) {
            throw ApiError.of(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "bad_encoding",
                    "Content-Encoding: gzip or none, not " + encoding.trim());
        }
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(config.maxBatchBytes(), body.length * 4 + 64));
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0; ) {
                if (out.size() + n > config.maxBatchBytes()) {
                    throw batchTooLarge(); // read no further: a small bomb stays small
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw ApiError.badRequest("bad_gzip", "the body is not valid gzip");
        }
    }

    private ApiError batchTooLarge() {
        return ApiError.badRequest("batch_too_large", "a batch is at most " + config.maxBatchBytes() + " bytes");
    }

    private ApiError tooLarge(int i) {
        return ApiError.badRequest("message_too_large", "message " + i + ": a message is at most "
                + config.maxMessageBytes() + " bytes");
    }

    private static ApiError bad(int i, String why) {
        return ApiError.badRequest("bad_message", "message " + i + ": " + why);
    }

    /** One Segment message as an event of {@code /tr/v1/str/}'s shape. */
    Message translate(ObjectNode m, String pathType, int i, UUID tenant, JsonNode sharedContext, String batchSentAt,
                      long receivedAt) {
        String type = pathType != null ? pathType : text(m, "type", i);
        if (type == null || !TYPES.contains(type.toLowerCase(Locale.ROOT))) {
            throw bad(i, "type: one of " + new java.util.TreeSet<>(TYPES));
        }
        type = type.toLowerCase(Locale.ROOT);
        ObjectNode e = mapper.createObjectNode();
        ObjectNode params = mapper.createObjectNode();
        String userId = text(m, "userId", i);
        String anonymousId = text(m, "anonymousId", i);
        if (userId == null && anonymousId == null) {
            throw bad(i, "userId or anonymousId is required");
        }
        UUID uid = userIds.uid(tenant, userId);
        if (uid != null) {
            e.put("uid", uid.toString());
            if (EventIds.parse(userId) == null) {
                e.put("uname", userId); // hashed into uhash by the pipeline, never stored in clear
            }
        }
        UUID vid = anonymousId == null ? uid : EventIds.parse(anonymousId);
        if (vid == null) {
            vid = userIds.derived(tenant, "anonymousId", anonymousId); // the id itself is not kept
        }
        e.put("vid", vid.toString());
        String name = text(m, "name", i);
        String ename = switch (type) {
            case "track" -> {
                String ev = text(m, "event", i);
                if (ev == null) {
                    throw bad(i, "event: a track call names its event");
                }
                yield ev;
            }
            case "page" -> "page_view";
            case "screen" -> "screen_view";
            default -> type;
        };
        if (ename.length() > 200) {
            throw bad(i, "event: at most 200 characters");
        }
        e.put("ename", ename);
        e.put("etyp", type);
        if (name != null && (type.equals("page") || type.equals("screen"))) {
            params.put("name", name);
        }
        String category = text(m, "category", i);
        if (category != null) {
            params.put("category", category);
        }
        for (String field : new String[] {"properties", "traits"}) {
            JsonNode p = m.get(field);
            if (p != null && !p.isNull()) {
                if (!p.isObject()) {
                    throw bad(i, field + ": a JSON object");
                }
                ObjectNode copy = ((ObjectNode) p).deepCopy();
                personal(copy, e);
                params.setAll(copy);
            }
        }
        String groupId = text(m, "groupId", i);
        if (groupId != null) {
            params.put("group_id", groupId);
        }
        String previousId = text(m, "previousId", i);
        if (previousId != null) { // often a former user id or e-mail address: kept as its uid, never in clear
            params.put("previous_uid", userIds.uid(tenant, previousId).toString());
        }
        String messageId = text(m, "messageId", i);
        UUID eid = null;
        if (messageId != null) {
            eid = userIds.derived(tenant, "segment.messageId", messageId);
            e.put("eid", eid.toString());
            params.put("message_id", messageId);
        }
        Group group = context(m, sharedContext, e, params, i);
        // When: Segment's clock-skew correction, bounded to [receipt - maxBackdateDays, receipt].
        String timestamp = text(m, "timestamp", i);
        String sentAt = text(m, "sentAt", i);
        sentAt = sentAt != null ? sentAt : batchSentAt;
        if (timestamp != null) {
            long at = instant(timestamp, i, "timestamp");
            if (sentAt != null) {
                at = receivedAt - (instant(sentAt, i, "sentAt") - at);
            }
            params.put("timestamp", timestamp);
            if (at <= receivedAt && at >= receivedAt - config.maxBackdateDays() * 86_400_000L) {
                e.put("created_at", at);
            }
        }
        // The visit: the SDK's session id where it sends one, else the visitor's half-hour of the event's time, so
        // that visits and bounce rates of SDK traffic mean what they mean for the browser's (never one per event).
        long at = e.has("created_at") ? e.get("created_at").asLong() : receivedAt;
        String sdkSession = sdkSession(m.get("context"), sharedContext);
        String visit = sdkSession != null ? "id:" + sdkSession : "slot:" + at / SESSION_SLOT_MILLIS;
        e.put("sid", userIds.derived(tenant, "segment.session", vid + "/" + visit).toString());
        e.set("params", params);
        return new Message(eid, e, group);
    }

    /** The {@code email} and {@code phone} of properties or traits become the hashed identifiers, never params. */
    private static void personal(ObjectNode fields, ObjectNode event) {
        for (String[] f : new String[][] {{"email", "email"}, {"phone", "cell"}}) {
            JsonNode v = fields.remove(f[0]);
            if (v != null && v.isValueNode() && !v.isNull() && !event.has(f[1])) {
                event.put(f[1], v.asText());
            }
        }
    }

    /**
     * The SDK's session id: {@code context.sessionId} of the message, else of the batch (RudderStack's SDKs send one, a
     * number; Segment's do not), when it is a number or a non-empty string of at most 100 characters.
     */
    private static String sdkSession(JsonNode own, JsonNode shared) {
        for (JsonNode c : new JsonNode[] {own, shared}) {
            JsonNode id = c == null || !c.isObject() ? null : c.get("sessionId");
            if (id != null && (id.isIntegralNumber() || id.isTextual() && !id.asText().isBlank())) {
                return id.asText().length() <= 100 ? id.asText() : null;
            }
        }
        return null;
    }

    /** {@code context} (the message's over the batch's) into columns; its IP, user agent and locale are the group's. */
    private Group context(ObjectNode m, JsonNode shared, ObjectNode e, ObjectNode params, int i) {
        JsonNode own = m.get("context");
        if (own != null && !own.isNull() && !own.isObject()) {
            throw bad(i, "context: a JSON object");
        }
        ObjectNode c = mapper.createObjectNode();
        if (shared != null && shared.isObject()) {
            c.setAll((ObjectNode) shared);
        }
        if (own != null && own.isObject()) {
            c.setAll((ObjectNode) own);
        }
        String ip = text(c, "ip", i);
        if (ip != null && !NetUtil.isValidIpV4Address(ip) && !NetUtil.isValidIpV6Address(ip)) {
            throw bad(i, "context.ip: an IPv4 or IPv6 address");
        }
        JsonNode page = c.get("page");
        if (page != null && page.isObject()) {
            copy(page, "url", e, "url", i);
            copy(page, "referrer", e, "last", i);
            copyParam(page, "title", params, "title", i);
        }
        JsonNode props = m.get("properties"); // analytics.js puts a page's url and referrer there
        if (props != null && props.isObject()) {
            copy(props, "url", e, "url", i);
            copy(props, "referrer", e, "last", i);
        }
        JsonNode campaign = c.get("campaign");
        if (campaign != null && campaign.isObject()) {
            copy(campaign, "name", e, "campaign", i);
            copy(campaign, "source", e, "source", i);
            copy(campaign, "medium", e, "medium", i);
            copy(campaign, "term", e, "term", i);
            copy(campaign, "content", e, "content", i);
        }
        copy(c, "timezone", e, "tz", i);
        JsonNode screen = c.get("screen");
        if (screen != null && screen.isObject()) {
            if (screen.path("width").canConvertToLong()) {
                e.put("w", screen.get("width").asLong());
            }
            if (screen.path("height").canConvertToLong()) {
                e.put("h", screen.get("height").asLong());
            }
        }
        JsonNode device = c.get("device");
        if (device != null && device.isObject()) {
            String id = text(device, "id", i);
            if (id != null && EventIds.parse(id) != null) {
                e.put("device_id", id);
            }
            copy(device, "advertisingId", e, "gaid", i);
        }
        JsonNode app = c.get("app");
        if (app != null && app.isObject()) {
            copy(app, "name", e, "app", i);
            copy(app, "version", e, "rel", i);
        }
        JsonNode library = c.get("library");
        if (library != null && library.isObject() && text(library, "name", i) != null) {
            String v = text(library, "version", i);
            params.put("library", text(library, "name", i) + (v == null ? "" : "/" + v));
        }
        return new Group(ip, text(c, "userAgent", i), text(c, "locale", i));
    }

    private static void copy(JsonNode from, String field, ObjectNode to, String column, int i) {
        String v = text(from, field, i);
        if (v != null && !to.has(column)) {
            to.put(column, v);
        }
    }

    private static void copyParam(JsonNode from, String field, ObjectNode params, String key, int i) {
        String v = text(from, field, i);
        if (v != null) {
            params.put(key, v);
        }
    }

    /** A scalar field as text (trimmed, at most 1,000 characters), null when absent, null or blank. */
    private static String text(JsonNode n, String field, int i) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isValueNode()) {
            throw bad(i, field + ": a string");
        }
        String s = v.asText().trim();
        if (s.length() > MAX_TEXT) {
            throw bad(i, field + ": at most " + MAX_TEXT + " characters");
        }
        return s.isEmpty() ? null : s;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || !v.isTextual() || v.asText().isBlank() ? null : v.asText().trim();
    }

    private static long instant(String iso, int i, String field) {
        try {
            return OffsetDateTime.parse(iso).toInstant().toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException e) {
            try {
                return Instant.parse(iso).toEpochMilli();
            } catch (DateTimeParseException | ArithmeticException e2) {
                throw bad(i, field + ": an ISO-8601 date-time (2026-12-02T10:00:00.000Z)");
            }
        }
    }

    /**
     * Stores the messages not accepted before, in groups of equal client facts, and answers once all are as safe as
     * the durability promises (or waits for an earlier copy of a message still in flight).
     */
    private CompletableFuture<FullHttpResponse> store(HttpCall call, List<Message> messages, UUID tenant) {
        List<CompletableFuture<?>> waits = new ArrayList<>();
        Map<Group, List<Message>> groups = new LinkedHashMap<>();
        Set<UUID> seen = new HashSet<>();
        Map<UUID, CompletableFuture<Void>> mine = new LinkedHashMap<>();
        Set<UUID> submitted = new HashSet<>(); // handed to the pipeline: settled by their own completion
        for (Message m : messages) {
            if (m.eid() != null) {
                if (!seen.add(m.eid())) {
                    continue; // the same message twice in one batch
                }
                if (config.dedupSeconds() > 0 && config.dedupEntries() > 0) {
                    CompletableFuture<Void> own = new CompletableFuture<>();
                    CompletableFuture<Void> prior = recent.asMap().putIfAbsent(m.eid(), own);
                    if (prior != null) {
                        waits.add(prior); // accepted before, or in flight: not written again
                        continue;
                    }
                    mine.put(m.eid(), own);
                }
            }
            groups.computeIfAbsent(m.group(), g -> new ArrayList<>()).add(m);
        }
        try {
            for (Map.Entry<Group, List<Message>> g : groups.entrySet()) {
                List<Message> all = g.getValue();
                for (int from = 0; from < all.size(); from += maxEventsPerRequest) {
                    List<Message> part = all.subList(from, Math.min(all.size(), from + maxEventsPerRequest));
                    ArrayNode body = mapper.createArrayNode();
                    part.forEach(m -> body.add(m.event()));
                    Group facts = g.getKey();
                    String ip = facts.ip() != null ? facts.ip()
                            : api.address().ip(call.channel(), call.request().headers());
                    CompletableFuture<Void> stored = track.ingestEvents(call, Route.SEGMENT, mapper.writeValueAsBytes(body),
                            tenant, ip, facts.userAgent(), facts.locale()).thenApply(r -> null);
                    for (Message m : part) {
                        if (m.eid() != null) {
                            submitted.add(m.eid());
                        }
                        CompletableFuture<Void> own = m.eid() == null ? null : mine.get(m.eid());
                        if (own != null) {
                            stored.whenComplete((r, e) -> settle(m.eid(), own, e));
                        }
                    }
                    waits.add(stored);
                }
            }
        } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
            // nothing of the failing part was accepted: its ids (and the parts not tried) may be sent again; the
            // parts handed over before it are remembered or forgotten by their own outcome
            for (Map.Entry<UUID, CompletableFuture<Void>> own : mine.entrySet()) {
                if (!submitted.contains(own.getKey()) && !own.getValue().isDone()) {
                    settle(own.getKey(), own.getValue(), e);
                }
            }
            if (!waits.isEmpty()) {
                // earlier parts were accepted; the answer is the failure all the same (the SDK retries, they dedup)
                CompletableFuture<FullHttpResponse> failed = new CompletableFuture<>();
                failed.completeExceptionally(e);
                return failed;
            }
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
        return CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).thenApply(done ->
                HttpResponses.json(HttpResponseStatus.OK, Map.of("success", true)));
    }

    /** A message's first copy finished: a failure forgets it (a retry may store it), a success is remembered. */
    private void settle(UUID eid, CompletableFuture<Void> own, Throwable error) {
        if (error == null) {
            own.complete(null);
        } else {
            recent.asMap().remove(eid, own);
            own.completeExceptionally(error);
        }
    }
}
