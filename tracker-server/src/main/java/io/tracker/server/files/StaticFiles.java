package io.tracker.server.files;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.tracker.core.config.StaticConfig;
import io.tracker.server.http.HttpResponses;
import io.tracker.server.http.Rejections;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * {@code /tr/v1/pub/} (spec §2.4): files of {@code static.directory} with Content-Type by extension, ETag and
 * Last-Modified (304 on revalidation), a single byte {@code Range} (206/416), gzip for compressible types, the
 * configured Cache-Control and {@code index.html} for directories. Never a listing, and nothing outside the directory:
 * encoded slashes, backslashes, NUL, {@code .} or {@code ..} segments (also percent-encoded) and symbolic links that
 * lead out are all answered 404, like a missing file. Bodies come from memory (hot files cached, gzip forms too).
 */
public final class StaticFiles {
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME;
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"), Map.entry("htm", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"), Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"), Map.entry("json", "application/json"),
            Map.entry("map", "application/json"), Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("xml", "application/xml"), Map.entry("svg", "image/svg+xml"), Map.entry("wasm", "application/wasm"),
            Map.entry("png", "image/png"), Map.entry("gif", "image/gif"), Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"), Map.entry("webp", "image/webp"), Map.entry("ico", "image/x-icon"),
            Map.entry("woff2", "font/woff2"), Map.entry("woff", "font/woff"), Map.entry("pdf", "application/pdf"));

    private final Path root;
    private final StaticConfig config;
    private final Rejections rejections;
    private final Cache<String, Body> cache;

    /** A file's bytes as of its size and modification time (a change makes a new key). */
    private record Body(byte[] bytes, byte[] gzip) {
    }

    public StaticFiles(StaticConfig config, Rejections rejections) {
        this.config = config;
        this.rejections = rejections;
        Path r = Path.of(config.directory()).toAbsolutePath().normalize();
        Path real;
        try {
            real = r.toRealPath();
        } catch (IOException e) {
            real = null; // nothing to serve
        }
        this.root = real;
        this.cache = Caffeine.newBuilder().maximumWeight(Math.max(1, config.cacheBytes()))
                .<String, Body>weigher((k, v) -> v.bytes().length + (v.gzip() == null ? 0 : v.gzip().length) + 64)
                .build();
    }

    /** The answer for {@code /tr/v1/pub/<rawRest>} ({@code rawRest} still percent-encoded). */
    public FullHttpResponse serve(String rawRest, HttpHeaders request) {
        Path file = resolve(rawRest);
        if (file == null) {
            return notFound();
        }
        BasicFileAttributes attrs;
        try {
            if (Files.isDirectory(file)) {
                if (!rawRest.isEmpty() && !rawRest.endsWith("/")) {
                    FullHttpResponse r = HttpResponses.empty(HttpResponseStatus.MOVED_PERMANENTLY);
                    // A path of ours, never a host: no open redirect.
                    r.headers().set(HttpHeaderNames.LOCATION, "/tr/v1/pub/" + rawRest + "/");
                    return r;
                }
                file = file.resolve("index.html"); // no listings
                if (!inside(file)) {
                    return notFound();
                }
            }
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            return notFound();
        }
        if (!attrs.isRegularFile() || attrs.size() > config.maxFileBytes()) {
            return notFound();
        }
        long mtime = attrs.lastModifiedTime().toMillis();
        String etag = "\"" + Long.toHexString(attrs.size()) + "-" + Long.toHexString(mtime) + "\"";
        String lastModified = HTTP_DATE.format(ZonedDateTime.ofInstant(Instant.ofEpochMilli(mtime), ZoneOffset.UTC));
        if (notModified(request, etag, mtime)) {
            FullHttpResponse r = HttpResponses.empty(HttpResponseStatus.NOT_MODIFIED);
            r.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
            headers(r, etag, lastModified);
            return r;
        }
        String type = type(file);
        Body body;
        try {
            Path f = file;
            body = cache.get(file + "\n" + attrs.size() + "\n" + mtime, k -> load(f, type));
        } catch (RuntimeException e) {
            return notFound(); // vanished or unreadable between the check and the read
        }
        String range = request.get(HttpHeaderNames.RANGE);
        if (range != null) {
            return ranged(body.bytes(), range, type, etag, lastModified);
        }
        boolean gzip = body.gzip() != null && acceptsGzip(request);
        FullHttpResponse r = HttpResponses.bytes(HttpResponseStatus.OK, type, gzip ? body.gzip() : body.bytes());
        headers(r, etag, lastModified);
        if (body.gzip() != null) {
            r.headers().set(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING);
        }
        if (gzip) {
            r.headers().set(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.GZIP);
        }
        return r;
    }

    /** The file a request path names, or null when it is malformed or would leave the directory. */
    private Path resolve(String rawRest) {
        if (root == null) {
            return null;
        }
        String lower = rawRest.toLowerCase(Locale.ROOT);
        if (lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00") || rawRest.indexOf('\\') >= 0) {
            rejections.count("static_refused");
            return null;
        }
        String decoded;
        try {
            decoded = QueryStringDecoder.decodeComponent(rawRest, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            rejections.count("static_refused");
            return null;
        }
        if (decoded.indexOf('\0') >= 0 || decoded.indexOf('\\') >= 0 || decoded.startsWith("/")) {
            rejections.count("static_refused");
            return null;
        }
        for (String segment : decoded.split("/", -1)) {
            if (segment.equals("..") || segment.equals(".")) {
                rejections.count("static_refused");
                return null;
            }
        }
        Path p = root.resolve(decoded).normalize();
        return p.startsWith(root) && inside(p) ? p : null;
    }

    /** After symbolic links: still under the directory (a link leading out is refused). */
    private boolean inside(Path p) {
        try {
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            return p.toRealPath().startsWith(root);
        } catch (IOException e) {
            return false;
        }
    }

    private Body load(Path file, String type) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            byte[] gzip = compressible(type) && bytes.length > 256 ? gzip(bytes) : null;
            return new Body(bytes, gzip != null && gzip.length < bytes.length ? gzip : null);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private FullHttpResponse ranged(byte[] bytes, String range, String type, String etag, String lastModified) {
        long size = bytes.length;
        String spec = range.trim();
        if (!spec.startsWith("bytes=") || spec.indexOf(',') >= 0) {
            FullHttpResponse r = HttpResponses.bytes(HttpResponseStatus.OK, type, bytes); // several ranges: the whole file
            headers(r, etag, lastModified);
            return r;
        }
        String[] ab = spec.substring(6).split("-", -1);
        long from;
        long to;
        try {
            if (ab.length != 2 || (ab[0].isEmpty() && ab[1].isEmpty())) {
                throw new NumberFormatException();
            }
            if (ab[0].isEmpty()) { // the last N bytes
                long n = Long.parseLong(ab[1].trim());
                from = Math.max(0, size - n);
                to = size - 1;
            } else {
                from = Long.parseLong(ab[0].trim());
                to = ab[1].isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(ab[1].trim()));
            }
        } catch (NumberFormatException e) {
            from = -1;
            to = -1;
        }
        if (from < 0 || from > to || from >= size) {
            FullHttpResponse r = HttpResponses.error(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "bad_range",
                    "range not satisfiable for a file of " + size + " bytes");
            r.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + size);
            return r;
        }
        byte[] part = java.util.Arrays.copyOfRange(bytes, (int) from, (int) to + 1);
        FullHttpResponse r = HttpResponses.bytes(HttpResponseStatus.PARTIAL_CONTENT, type, part);
        r.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes " + from + "-" + to + "/" + size);
        headers(r, etag, lastModified);
        return r;
    }

    private void headers(FullHttpResponse r, String etag, String lastModified) {
        r.headers().set(HttpHeaderNames.ETAG, etag);
        r.headers().set(HttpHeaderNames.LAST_MODIFIED, lastModified);
        r.headers().set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
        if (!config.cacheControl().isEmpty()) {
            r.headers().set(HttpHeaderNames.CACHE_CONTROL, config.cacheControl());
        }
        r.headers().set("X-Content-Type-Options", "nosniff");
    }

    private static boolean notModified(HttpHeaders request, String etag, long mtime) {
        String inm = request.get(HttpHeaderNames.IF_NONE_MATCH);
        if (inm != null) { // RFC 9110 §13.1.2: If-None-Match wins over If-Modified-Since
            for (String tag : inm.split(",")) {
                String t = tag.trim();
                if (t.equals("*") || t.equals(etag) || t.equals("W/" + etag)) {
                    return true;
                }
            }
            return false;
        }
        String ims = request.get(HttpHeaderNames.IF_MODIFIED_SINCE);
        if (ims != null) {
            try {
                long since = ZonedDateTime.parse(ims.trim(), HTTP_DATE).toInstant().toEpochMilli();
                return mtime / 1000 <= since / 1000;
            } catch (DateTimeParseException e) {
                return false;
            }
        }
        return false;
    }

    private static boolean acceptsGzip(HttpHeaders request) {
        String ae = request.get(HttpHeaderNames.ACCEPT_ENCODING);
        if (ae == null) {
            return false;
        }
        for (String part : ae.toLowerCase(Locale.ROOT).split(",")) {
            String[] p = part.trim().split(";");
            if (p[0].trim().equals("gzip")) {
                return !(p.length > 1 && p[1].trim().replace(" ", "").equals("q=0"));
            }
        }
        return false;
    }

    private static String type(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return TYPES.getOrDefault(ext, "application/octet-stream");
    }

    private static boolean compressible(String type) {
        return type.startsWith("text/") || type.startsWith("application/json") || type.equals("application/xml")
                || type.equals("image/svg+xml") || type.equals("application/wasm");
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 3 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    private FullHttpResponse notFound() {
        rejections.count("not_found");
        return HttpResponses.error(HttpResponseStatus.NOT_FOUND, "not_found", "no such file");
    }
}
