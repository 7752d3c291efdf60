package io.tracker.core.business;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.tracker.core.batch.BatchManager;
import io.tracker.core.batch.QueueFullException;
import io.tracker.core.config.LinksConfig;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Tables;
import io.tracker.core.pipeline.BadRequestException;
import io.tracker.core.pipeline.EventIds;
import io.tracker.core.privacy.Hashes;
import io.tracker.core.session.SessionException;
import io.tracker.core.session.SessionReader;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Short links (spec §2.9, §2.10, quirks §18.12 fixed): create, delete, list per host, resolve. A link is keyed by
 * {@code host + path}, both lower-cased, host without port. Every change is a new {@code redirects} row (the newest
 * wins; an empty {@code urlto} is a deletion) plus a {@code redirect_history} row naming who made it. Lookups are
 * cached (hits and misses) and a change on this node invalidates its key at once.
 */
public final class ShortLinks {
    public static final String TRACKED_PATH = "/tr/v1/rdr/";

    private final SessionReader reader;
    private final BatchManager batches;
    private final LinksConfig config;
    private final EventIds ids;
    private final Cache<String, Optional<String>> cache;

    public ShortLinks(SessionReader reader, BatchManager batches, LinksConfig config, EventIds ids) {
        this.reader = reader;
        this.batches = batches;
        this.config = config;
        this.ids = ids;
        this.cache = Caffeine.newBuilder().maximumSize(config.cacheMaxEntries())
                .expireAfterWrite(Duration.ofSeconds(config.cacheSeconds())).build();
    }

    /** A stored link. */
    public record Link(String urlfrom, String hostfrom, String urlto, String updater, long updatedAt) {
    }

    /** Validates and stores a link; completes when it is stored (the tables are {@code sync}). */
    public CompletableFuture<Link> create(ObjectNode body, String requestHost, String principal, long now)
            throws BadRequestException, QueueFullException {
        String from = Payload.text(body, "urlfrom");
        String to = Payload.text(body, "urlto");
        if (from == null || to == null) {
            throw new BadRequestException("bad_url", "urlfrom and urlto are required");
        }
        if (from.equalsIgnoreCase(to)) {
            throw new BadRequestException("bad_url", "urlfrom and urlto are equal");
        }
        URI dest = parse(to);
        if (dest == null || dest.getHost() == null || !isHttp(dest)) {
            throw new BadRequestException("bad_url", "urlto: must be an absolute http(s) URL");
        }
        URI src = parse(from.contains("://") ? from : "https://" + from);
        if (src == null || src.getHost() == null) {
            throw new BadRequestException("bad_url", "urlfrom: must be a URL such as https://go.example.com/promo");
        }
        String path = src.getRawPath() == null ? "" : src.getRawPath();
        if (path.length() < 2) {
            throw new BadRequestException("bad_url", "urlfrom: the path must have at least one character after /");
        }
        String hostfrom = src.getHost().toLowerCase(Locale.ROOT);
        String hostto = dest.getHost().toLowerCase(Locale.ROOT);
        boolean self = hostto.equals(hostfrom) || config.selfDomains().stream().anyMatch(d -> d.equalsIgnoreCase(hostto));
        if (self && (dest.getRawPath() == null || !dest.getRawPath().contains(TRACKED_PATH))) {
            throw new BadRequestException("bad_url", "urlto points back at this tracker (a redirect loop)");
        }
        String key = key(hostfrom, path);
        try {
            now = after(key, now);
        } catch (SessionException e) {
            throw new BadRequestException("unavailable", "the link store cannot be read: " + e.getMessage());
        }
        Link link = new Link(key, hostfrom, to, principal, now);
        Row redirect = new RowBuilder(Tables.REDIRECTS).eid(ids.next()).set("hhash", Hashes.hostHash(requestHost))
                .set("urlfrom", key).set("hostfrom", hostfrom).set("urlto", to)
                .set("oid", Payload.uuid(body, "oid")).set("org", Payload.text(body, "org")).set("updater", principal)
                .set("created_at", now).set("updated_at", now).build();
        Row history = history("create", key, hostfrom, path, to, hostto, dest.getRawPath(),
                Payload.text(body, "searchto"), Payload.uuid(body, "oid"), Payload.text(body, "org"), principal, now);
        return store(key, redirect, history).thenApply(v -> link);
    }

    /** Deletes the link {@code host + path}; completes with false when there is none. */
    public CompletableFuture<Boolean> delete(String host, String path, String principal, long now)
            throws SessionException, QueueFullException {
        String key = key(host, path);
        Optional<Link> current = current(key);
        if (current.isEmpty()) {
            return CompletableFuture.completedFuture(false);
        }
        now = Math.max(now, current.get().updatedAt() + 1_000);
        Row tombstone = new RowBuilder(Tables.REDIRECTS).eid(ids.next()).set("urlfrom", key)
                .set("hostfrom", current.get().hostfrom()).set("urlto", "").set("updater", principal)
                .set("created_at", now).set("updated_at", now).build();
        Row history = history("delete", key, current.get().hostfrom(), key.substring(current.get().hostfrom().length()),
                "", null, null, null, null, null, principal, now);
        return store(key, tombstone, history).thenApply(v -> true);
    }

    private CompletableFuture<Void> store(String key, Row redirect, Row history) throws QueueFullException {
        cache.invalidate(key);
        return batches.enqueue(List.of(redirect, history)).whenComplete((v, e) -> {
            cache.invalidate(key);
            if (e == null) {
                changed.accept(key); // the other nodes of a cluster drop their cached answer too
            }
        });
    }

    private volatile java.util.function.Consumer<String> changed = key -> { };

    /** Told the key of every link this node created or deleted, once stored (the cluster bus). */
    public void onChange(java.util.function.Consumer<String> listener) {
        this.changed = listener;
    }

    /** Forgets the cached answer for {@code key} (another node changed the link). */
    public void invalidate(String key) {
        cache.invalidate(key);
    }

    private Row history(String action, String key, String hostfrom, String slug, String to, String hostto,
                        String pathto, String searchto, java.util.UUID oid, String org, String principal, long now) {
        return new RowBuilder(Tables.REDIRECT_HISTORY).eid(ids.next()).set("action", action).set("urlfrom", key)
                .set("hostfrom", hostfrom).set("slugfrom", slug).set("urlto", to).set("hostto", hostto)
                .set("pathto", pathto).set("searchto", searchto).set("oid", oid).set("org", org)
                .set("updater", principal).set("created_at", now).set("updated_at", now).build();
    }

    /** The live links of {@code host}, newest first. */
    public List<Link> list(String host, int limit) throws SessionException {
        String h = host.toLowerCase(Locale.ROOT);
        Map<String, Link> newest = new LinkedHashMap<>();
        for (Map<String, Object> r : reader.find(Tables.REDIRECTS, Map.of("hostfrom", h), "updated_at", 100_000)) {
            newest.putIfAbsent((String) r.get("urlfrom"), link(r));
        }
        List<Link> out = new ArrayList<>();
        for (Link l : newest.values()) {
            if (!l.urlto().isEmpty() && out.size() < limit) {
                out.add(l);
            }
        }
        return out;
    }

    /** Where {@code host + path} leads, if it is a live link (cached). */
    public Optional<String> resolve(String host, String path) throws SessionException {
        String key = key(host, path);
        Optional<String> hit = cache.getIfPresent(key);
        if (hit != null) {
            return hit;
        }
        // Loaded through the cache, not read and then put: an invalidation that arrives while the store is being read
        // (a change on this node or, over the cluster bus, on another) waits for the load and then drops its result,
        // instead of the old answer being cached after it for links.cacheSeconds.
        try {
            return cache.get(key, k -> {
                try {
                    return current(k).map(Link::urlto);
                } catch (SessionException e) {
                    throw new java.io.UncheckedIOException(new java.io.IOException(e));
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw (SessionException) e.getCause().getCause(); // nothing cached: the next request reads the store again
        }
    }

    /**
     * A change's timestamp: strictly after the newest row of {@code key}, by at least a second, because some stores
     * keep {@code updated_at} to the second and the newest row must win.
     */
    private long after(String key, long now) throws SessionException {
        List<Map<String, Object>> rows = reader.find(Tables.REDIRECTS, Map.of("urlfrom", key), "updated_at", 1);
        return rows.isEmpty() ? now : Math.max(now, link(rows.get(0)).updatedAt() + 1_000);
    }

    private Optional<Link> current(String key) throws SessionException {
        List<Map<String, Object>> rows = reader.find(Tables.REDIRECTS, Map.of("urlfrom", key), "updated_at", 1);
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Link l = link(rows.get(0));
        return l.urlto().isEmpty() ? Optional.empty() : Optional.of(l);
    }

    private static Link link(Map<String, Object> r) {
        return new Link((String) r.get("urlfrom"), (String) r.getOrDefault("hostfrom", ""),
                (String) r.getOrDefault("urlto", ""), (String) r.getOrDefault("updater", ""),
                (Long) r.getOrDefault("updated_at", 0L));
    }

    /** The lookup key: host (lower-case, no port) + path (lower-case). */
    public static String key(String host, String path) {
        String h = host == null ? "" : host.toLowerCase(Locale.ROOT);
        int colon = h.lastIndexOf(':');
        if (colon > 0 && h.indexOf(']') < colon && h.chars().filter(c -> c == ':').count() == 1) {
            h = h.substring(0, colon);
        }
        return h + (path == null ? "" : path.toLowerCase(Locale.ROOT));
    }

    /** An absolute http(s) URL with a host (what an admin-made link may point to). */
    public static boolean httpTarget(String url) {
        URI u = parse(url);
        return u != null && u.getHost() != null && isHttp(u);
    }

    /** Whether {@code url} is an http(s) URL to one of {@code allowedHosts} (none listed: none allowed). */
    public static boolean allowedTarget(String url, List<String> allowedHosts) {
        URI u = parse(url);
        if (u == null || u.getHost() == null || !isHttp(u)) {
            return false;
        }
        String host = u.getHost().toLowerCase(Locale.ROOT);
        for (String a : allowedHosts) {
            String allowed = a.toLowerCase(Locale.ROOT);
            if (allowed.startsWith(".") ? host.endsWith(allowed) || host.equals(allowed.substring(1)) : host.equals(allowed)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isHttp(URI u) {
        String s = u.getScheme();
        return s != null && (s.equalsIgnoreCase("http") || s.equalsIgnoreCase("https"));
    }

    static URI parse(String s) {
        try {
            return new URI(s);
        } catch (URISyntaxException e) {
            return null;
        }
    }
}
