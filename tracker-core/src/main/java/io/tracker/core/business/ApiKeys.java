package io.tracker.core.business;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.tracker.core.batch.BatchManager;
import io.tracker.core.batch.QueueFullException;
import io.tracker.core.config.ApiConfig;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Tables;
import io.tracker.core.pipeline.EventIds;
import io.tracker.core.session.SessionException;
import io.tracker.core.session.SessionReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The tenants' API keys. A key belongs to one tenant ({@code oid}) and carries scopes; its secret ({@code trk_…}, 32
 * random bytes) is shown once at creation and only its SHA-256 is stored (the {@code api_keys} table of the API session)
 * or declared ({@code api.keys}). Lookups are cached for {@code api.keyCacheSeconds}, misses too, so a flood of made-up
 * keys costs one store read each at most that often; a revocation drops the cached answer at once here and, through
 * {@link #onRevoke}, on the other nodes.
 */
public final class ApiKeys {
    /** What a key may do. */
    public enum Scope {
        INGEST("ingest"), EVENTS_READ("events:read"), STATS_READ("stats:read");

        private final String wire;

        Scope(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        public static Scope of(String wire) {
            for (Scope s : values()) {
                if (s.wire.equals(wire)) {
                    return s;
                }
            }
            return null;
        }
    }

    /** A key as the API sees it: never its secret. {@code declared}: from {@code api.keys}, not revocable here. */
    public record Key(String id, UUID oid, Set<Scope> scopes, String name, long createdAt, boolean revoked,
                      boolean declared) {
        public boolean allows(Scope s) {
            return !revoked && scopes.contains(s);
        }

        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("oid", oid.toString());
            m.put("scopes", scopes.stream().map(Scope::wire).toList());
            m.put("name", name);
            if (createdAt > 0) {
                m.put("created_at", java.time.Instant.ofEpochMilli(createdAt).toString());
            }
            m.put("revoked", revoked);
            m.put("declared", declared);
            return m;
        }
    }

    /** A new key: {@code secret} is shown to the caller once and kept nowhere. */
    public record Created(String secret, Key key) {
    }

    public static final String PREFIX = "trk_";
    private static final int MAX_NAME = 200;

    private final SessionReader reader;
    private final BatchManager batches;
    private final EventIds ids;
    private final Map<String, Key> declared; // by digest
    private final Cache<String, Optional<Key>> cache; // by digest
    private final SecureRandom random = new SecureRandom();
    private volatile Consumer<String> revoked = d -> { };

    public ApiKeys(ApiConfig config, SessionReader reader, BatchManager batches, EventIds ids) {
        this.reader = reader;
        this.batches = batches;
        this.ids = ids;
        Map<String, Key> d = new LinkedHashMap<>();
        for (ApiConfig.DeclaredKey k : config.keys()) {
            EnumSet<Scope> scopes = EnumSet.noneOf(Scope.class);
            k.scopes().forEach(s -> scopes.add(Scope.of(s)));
            String digest = k.sha256().toLowerCase(Locale.ROOT);
            String id = k.id() == null || k.id().isBlank() ? "cfg_" + digest.substring(0, 12) : k.id();
            d.put(digest, new Key(id, EventIds.parse(k.oid()), Set.copyOf(scopes), k.name() == null ? "" : k.name(), 0,
                    false, true));
        }
        this.declared = Map.copyOf(d);
        this.cache = Caffeine.newBuilder().maximumSize(100_000)
                .expireAfterWrite(Duration.ofSeconds(config.keyCacheSeconds())).build();
    }

    /** Called with the digest of each key revoked here (the cluster bus tells the other nodes). */
    public void onRevoke(Consumer<String> listener) {
        this.revoked = listener;
    }

    /** Whether {@code credential} looks like one of our keys at all (so it is not an admin token). */
    public static boolean looksLikeKey(String credential) {
        return credential != null && credential.startsWith(PREFIX);
    }

    private static final java.util.regex.Pattern SHAPE = java.util.regex.Pattern.compile("trk_[A-Za-z0-9_-]{43}");

    /** Made-up credentials of another shape are refused without a store read (a flood of them costs nothing). */
    private boolean wellFormed(String secret) {
        return SHAPE.matcher(secret).matches();
    }

    /** The cached answer for {@code secret}, or null when it must be looked up ({@link #authenticate}). Never blocks. */
    public Optional<Key> cached(String secret) {
        String digest = digest(secret);
        if (!declared.containsKey(digest) && !wellFormed(secret)) {
            return Optional.empty();
        }
        Key d = declared.get(digest);
        return d != null ? Optional.of(d) : cache.getIfPresent(digest);
    }

    /** The valid key of {@code secret}, empty when unknown or revoked. Blocks on a store read on a cache miss. */
    public Optional<Key> authenticate(String secret) throws SessionException {
        String digest = digest(secret);
        Key d = declared.get(digest);
        if (d != null) {
            return Optional.of(d);
        }
        if (!wellFormed(secret)) {
            return Optional.empty();
        }
        Optional<Key> hit = cache.getIfPresent(digest);
        if (hit != null) {
            return hit;
        }
        Optional<Key> found = load(digest).filter(k -> !k.revoked());
        cache.put(digest, found);
        return found;
    }

    /** Creates a key once its row is durable; it works on this node at once (before it reaches the store). */
    public CompletableFuture<Created> create(UUID oid, Set<Scope> scopes, String name) throws QueueFullException {
        if (oid == null || scopes.isEmpty()) {
            throw new IllegalArgumentException("a key needs a tenant and a scope");
        }
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        byte[] idBytes = new byte[8];
        random.nextBytes(idBytes);
        String id = "key_" + HexFormat.of().formatHex(idBytes);
        String clean = name == null ? "" : name.length() > MAX_NAME ? name.substring(0, MAX_NAME) : name;
        long now = System.currentTimeMillis();
        Key key = new Key(id, oid, Set.copyOf(EnumSet.copyOf(scopes)), clean, now, false, false);
        String digest = digest(secret);
        Row row = row(id, digest, key, false, now);
        return batches.enqueue(List.of(row)).thenApply(v -> {
            cache.put(digest, Optional.of(key));
            return new Created(secret, key);
        });
    }

    /** The keys of {@code oid} (every tenant's when null), newest first, revoked ones included; declared ones first. */
    public List<Key> list(UUID oid) throws SessionException {
        List<Key> out = new ArrayList<>();
        for (Key k : declared.values()) {
            if (oid == null || k.oid().equals(oid)) {
                out.add(k);
            }
        }
        Map<String, Object> where = oid == null ? Map.of() : Map.of("oid", oid);
        Map<String, Key> byId = new LinkedHashMap<>();
        for (Map<String, Object> r : reader.find(Tables.API_KEYS, where, "created_at", 100_000)) {
            merge(byId, r);
        }
        out.addAll(byId.values());
        return out;
    }

    /**
     * Revokes key {@code id}: true once the revocation is durable, false when no such key exists. A declared key cannot
     * be revoked here ({@link IllegalStateException}): remove it from the configuration.
     */
    public CompletableFuture<Boolean> revoke(String id) throws SessionException, QueueFullException {
        for (Key k : declared.values()) {
            if (k.id().equals(id)) {
                throw new IllegalStateException("key " + id + " is declared in api.keys: remove it there");
            }
        }
        List<Map<String, Object>> rows = reader.find(Tables.API_KEYS, Map.of("id", id), "created_at", 1_000);
        if (rows.isEmpty()) {
            return CompletableFuture.completedFuture(false);
        }
        Map<String, Key> byId = new LinkedHashMap<>();
        rows.forEach(r -> merge(byId, r));
        Key key = byId.get(id);
        String digest = (String) rows.get(0).get("key_sha256");
        cache.put(digest, Optional.empty()); // effective here at once, before the row is stored
        revoked.accept(digest);
        return batches.enqueue(List.of(row(id, digest, key, true, System.currentTimeMillis()))).thenApply(v -> {
            cache.put(digest, Optional.empty());
            revoked.accept(digest); // again once stored: a node that re-read the store early reads it now
            return true;
        });
    }

    /**
     * Another node revoked the key of {@code digest}. A revocation is final, so the key is refused here at once, and
     * for as long as the cache keeps entries; by then the revocation row is in the store (the node announces it again
     * once it is).
     */
    public void revokedElsewhere(String digest) {
        cache.put(digest, Optional.empty());
    }

    private Optional<Key> load(String digest) throws SessionException {
        List<Map<String, Object>> rows = reader.find(Tables.API_KEYS, Map.of("key_sha256", digest), "created_at", 1_000);
        Map<String, Key> byId = new LinkedHashMap<>();
        rows.forEach(r -> merge(byId, r));
        return byId.values().stream().findFirst();
    }

    /** Folds one stored row into the key it belongs to: any revoked row revokes the key. */
    private static void merge(Map<String, Key> byId, Map<String, Object> r) {
        String id = (String) r.get("id");
        if (id == null || r.get("oid") == null) {
            return;
        }
        boolean revoked = Boolean.TRUE.equals(r.get("revoked"));
        Key seen = byId.get(id);
        if (seen != null) {
            if (revoked && !seen.revoked()) {
                byId.put(id, new Key(seen.id(), seen.oid(), seen.scopes(), seen.name(), seen.createdAt(), true, false));
            }
            return;
        }
        EnumSet<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String s : String.valueOf(r.getOrDefault("scopes", "")).split(",")) {
            Scope scope = Scope.of(s.trim());
            if (scope != null) {
                scopes.add(scope);
            }
        }
        long created = r.get("created_at") instanceof Long l ? l : 0;
        byId.put(id, new Key(id, (UUID) r.get("oid"), Set.copyOf(scopes), String.valueOf(r.getOrDefault("name", "")),
                created, revoked, false));
    }

    private Row row(String id, String digest, Key key, boolean revoked, long at) {
        StringBuilder scopes = new StringBuilder();
        for (Scope s : Scope.values()) {
            if (key.scopes().contains(s)) {
                scopes.append(scopes.length() == 0 ? "" : ",").append(s.wire());
            }
        }
        return new RowBuilder(Tables.API_KEYS).eid(ids.next()).set("id", id).set("key_sha256", digest)
                .set("oid", key.oid()).set("scopes", scopes.toString()).set("name", key.name())
                .set("revoked", revoked).set("created_at", at).build();
    }

    /** The stored form of a secret: SHA-256, hex (a key is 256 random bits: no salt or stretching needed). */
    public static String digest(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
