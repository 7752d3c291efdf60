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
    /** IMF-fixdate (RFC 9110 §5.6.7): two-digit day, English names, GMT. */
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);
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
    private final Cache<String, byte[]> cache;
    /** File reads and gzip never run on an event loop: a small pool, bounded, 503 when it is full. */
    private final java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(2, 2,
            60, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.ArrayBlockingQueue<>(256), r -> {
                Thread t = new Thread(r, "static-files");
                t.setDaemon(true);
                return t;
            });

    /**
     * @param dataDir the tracker's data directory: a static directory that contains it (or the working directory,
     *                where config.json lives) is refused
     */
    public StaticFiles(StaticConfig config, Path dataDir, Rejections rejections) {
        this.config = config;
        this.rejections = rejections;
        Path r = Path.of(config.directory()).toAbsolutePath().normalize();
        Path real;
        try {
            real = r.toRealPath();
        } catch (IOException e) {
            real = null; // nothing to serve
        }
        if (real != null) {
            Path cwd = realOrSelf(Path.of("").toAbsolutePath());
            Path data = realOrSelf(dataDir.toAbsolutePath());
            if (cwd.startsWith(real) || data.startsWith(real)) {
                throw new io.tracker.core.config.ConfigException("static.directory: " + real + " contains the working "
                        + "or the data directory (config.json, the store): name a directory of public files only");
            }
        }
        this.root = real;
        this.cache = Caffeine.newBuilder().maximumWeight(Math.max(1, config.cacheBytes()))
                .<String, byte[]>weigher((k, v) -> (int) Math.min(Integer.MAX_VALUE, v.length + 64L))
                .build();
    }

    private static Path realOrSelf(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.normalize();
        }
    }

    /** Declares {@code static.prefix} (GET and HEAD; preflights answered). */
    public io.tracker.server.http.Routes.Builder register(io.tracker.server.http.Routes.Builder table,
                                                          io.tracker.server.http.TrackHandler track) {
        return table.prefix(config.prefix()).methods("GET", "HEAD").to((call, rest) -> {
            var answer = serveAsync(rest, call.request().headers());
            if (!config.track() || !call.method().equals("GET")) {
                return answer;
            }
            io.tracker.server.http.HttpCall copy = call.detached(); // the request is released before the answer
            return answer.thenApply(r -> {
                if (r.status().code() == 200) {
                    track.recordAside(copy, io.tracker.core.pipeline.Route.STATIC, "static");
                }
                return r;
            });
        });
    }

    /** The answer for {@code /tr/v1/pub/<rawRest>}, computed off the event loop. */
    public java.util.concurrent.CompletableFuture<FullHttpResponse> serveAsync(String rawRest, HttpHeaders request) {
        HttpHeaders copy = new io.netty.handler.codec.http.DefaultHttpHeaders().set(request); // the request is released
        try {
            return java.util.concurrent.CompletableFuture.supplyAsync(() -> serve(rawRest, copy), pool);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return rejections.refuse(io.tracker.server.http.ApiError.unavailable("overloaded",
                    "too many file requests in flight; retry shortly", 1));
        }
    }

    public void close() {
        pool.shutdown();
    }

    /** The answer for {@code /tr/v1/pub/<rawRest>} ({@code rawRest} still percent-encoded). */
    public FullHttpResponse serve(String rawRest, HttpHeaders request) {
        Path file = resolve(rawRest); // the real file: opened from here on without following links again
        if (file == null) {
            return notFound();
        }
        BasicFileAttributes attrs;
        try {
            if (Files.isDirectory(file)) {
                if (!rawRest.isEmpty() && !rawRest.endsWith("/")) {
                    FullHttpResponse r = HttpResponses.empty(HttpResponseStatus.MOVED_PERMANENTLY);
                    // A path of ours, never a host: no open redirect.
                    r.headers().set(HttpHeaderNames.LOCATION, config.prefix() + rawRest + "/");
                    return r;
                }
                file = realInside(file.resolve("index.html")); // no listings
                if (file == null) {
                    return notFound();
                }
            }
            attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            return notFound();
        }
        if (!attrs.isRegularFile() || attrs.size() > config.maxFileBytes()) {
            return notFound();
        }
        long mtime = attrs.lastModifiedTime().toMillis();
        String tag = Long.toHexString(attrs.size()) + "-" + Long.toHexString(mtime);
        String type = type(file);
        boolean gzip = compressible(type) && attrs.size() > 256 && acceptsGzip(request)
                && request.get(HttpHeaderNames.RANGE) == null;
        // The gzip form is another representation: its own validator, so a resumed download never mixes the two.
        String etag = "\"" + tag + (gzip ? "-gz" : "") + "\"";
        String lastModified = HTTP_DATE.format(Instant.ofEpochMilli(mtime));
        if (notModified(request, etag, mtime)) {
            FullHttpResponse r = HttpResponses.empty(HttpResponseStatus.NOT_MODIFIED);
            r.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
            headers(r, etag, lastModified, type);
            return r;
        }
        String key = file + "\n" + tag;
        byte[] bytes;
        try {
            Path f = file;
            bytes = cache.get(key, k -> read(f));
            if (gzip) {
                byte[] plain = bytes;
                byte[] z = cache.get(key + "\ngz", k -> gzipOrPlain(plain));
                if (z.length < bytes.length) {
                    bytes = z;
                } else {
                    gzip = false;
                    etag = "\"" + tag + "\"";
                }
            }
        } catch (RuntimeException e) {
            return notFound(); // vanished, grew past the limit or unreadable between the check and the read
        }
        String range = request.get(HttpHeaderNames.RANGE);
        String ifRange = request.get(HttpHeaderNames.IF_RANGE);
        if (range != null && (ifRange == null || ifRange.trim().equals(etag) || ifRange.trim().equals(lastModified))) {
            return ranged(bytes, range, type, etag, lastModified);
        }
        FullHttpResponse r = HttpResponses.bytes(HttpResponseStatus.OK, type, bytes);
        headers(r, etag, lastModified, type);
        if (gzip) {
            r.headers().set(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.GZIP);
        }
        return r;
    }

    /** The real file a request path names, or null when it is malformed, missing or would leave the directory. */
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
            // A path, not a query: '+' is a plus sign.
            decoded = QueryStringDecoder.decodeComponent(rawRest.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            rejections.count("static_refused");
            return null;
        }
        if (decoded.indexOf('\0') >= 0 || decoded.indexOf('\\') >= 0 || decoded.startsWith("/")) {
            rejections.count("static_refused");
            return null;
        }
        for (String segment : decoded.split("/", -1)) {
            if (segment.startsWith(".")) { // . and .., and dotfiles (.git, .env) are never public
                rejections.count("static_refused");
                return null;
            }
        }
        Path p;
        try {
            p = root.resolve(decoded).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
        return p.startsWith(root) ? realInside(p) : null;
    }

    /** {@code p} after symbolic links, or null when it does not exist or a link leads out of the directory. */
    private Path realInside(Path p) {
        try {
            Path real = p.toRealPath();
            return real.startsWith(root) ? real : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The file's bytes, read without following a link and never more than {@code static.maxFileBytes}. */
    private byte[] read(Path file) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            if (size > config.maxFileBytes()) {
                throw new java.io.UncheckedIOException(new IOException("grew past static.maxFileBytes"));
            }
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) size);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // read it all
            }
            return buf.hasRemaining() ? java.util.Arrays.copyOf(buf.array(), buf.position()) : buf.array();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] gzipOrPlain(byte[] plain) {
        try {
            return gzip(plain);
        } catch (IOException e) {
            return plain;
        }
    }

    private FullHttpResponse ranged(byte[] bytes, String range, String type, String etag, String lastModified) {
        long size = bytes.length;
        String spec = range.trim();
        if (!spec.startsWith("bytes=") || spec.indexOf(',') >= 0) {
            FullHttpResponse r = HttpResponses.bytes(HttpResponseStatus.OK, type, bytes); // several ranges: the whole file
            headers(r, etag, lastModified, type);
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
                to = ab[1].isEmpty() || !ab[1].trim().matches("\\d{1,18}") ? size - 1
                        : Math.min(size - 1, Long.parseLong(ab[1].trim())); // a huge last byte means the end
                if (!ab[1].isEmpty() && !ab[1].trim().matches("\\d+")) {
                    throw new NumberFormatException();
                }
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
        // A view of the cached bytes, not a copy: a pipelined flood of ranges costs no heap per answer.
        FullHttpResponse r = new io.netty.handler.codec.http.DefaultFullHttpResponse(
                io.netty.handler.codec.http.HttpVersion.HTTP_1_1, HttpResponseStatus.PARTIAL_CONTENT,
                io.netty.buffer.Unpooled.wrappedBuffer(bytes, (int) from, (int) (to - from + 1)));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, (int) (to - from + 1));
        r.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes " + from + "-" + to + "/" + size);
        headers(r, etag, lastModified, type);
        return r;
    }

    private void headers(FullHttpResponse r, String etag, String lastModified, String type) {
        if (compressible(type)) {
            r.headers().set(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING); // 200, 206 and 304 alike
        }
        r.headers().set(HttpHeaderNames.ETAG, etag);
        r.headers().set(HttpHeaderNames.LAST_MODIFIED, lastModified);
        r.headers().set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
        if (!config.cacheControl().isEmpty()) {
            r.headers().set(HttpHeaderNames.CACHE_CONTROL, config.cacheControl());
        }
        r.headers().set("X-Content-Type-Options", "nosniff");
    }

    static boolean notModified(HttpHeaders request, String etag, long mtime) {
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
                long since = ZonedDateTime.parse(ims.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
                return mtime / 1000 <= since / 1000;
            } catch (DateTimeParseException e) {
                return false;
            }
        }
        return false;
    }

    static boolean acceptsGzip(HttpHeaders request) {
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

    static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 3 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    private FullHttpResponse notFound() {
        return rejections.answer(io.tracker.server.http.ApiError.notFound("not_found", "no such file"));
    }
}
