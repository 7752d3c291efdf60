package io.tracker.server.files;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tracker.server.http.HttpResponses;
import io.tracker.server.http.Routes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;

/**
 * Files that ship inside the tracker's jar (the browser snippet, the dashboard, the API documentation), served from
 * memory: loaded and gzipped once at start, an ETag of their content (304 on revalidation), gzip when accepted,
 * {@code nosniff}. They are the same for every deployment, so no configuration can point them at the file system.
 */
public final class Bundled {
    private final byte[] plain;
    private final byte[] gzip;
    private final String type;
    private final String etag;
    private final String cacheControl;
    private final String csp;

    private Bundled(byte[] plain, String type, String cacheControl, String csp) {
        this.plain = plain;
        this.type = type;
        this.cacheControl = cacheControl;
        this.csp = csp;
        try {
            this.gzip = StaticFiles.gzip(plain);
            this.etag = "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(plain), 0, 12) + "\"";
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The classpath resource {@code name} (under {@code /}), a missing one failing the start. */
    public static byte[] resource(String name) {
        try (InputStream in = Bundled.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A bundled file of {@code type}, answered with {@code cacheControl} and, for pages, a Content-Security-Policy. */
    public static Bundled of(byte[] content, String type, String cacheControl, String csp) {
        return new Bundled(content, type, cacheControl, csp);
    }

    /** Declares {@code path} (GET and HEAD) as this file. */
    public Routes.Builder register(Routes.Builder table, String path, boolean cors) {
        Routes.RouteBuilder r = table.exact(path).methods("GET", "HEAD");
        if (!cors) {
            r.noCors();
        }
        return r.to((call, rest) -> CompletableFuture.completedFuture(answer(call.request().headers())));
    }

    public FullHttpResponse answer(HttpHeaders request) {
        FullHttpResponse r;
        if (StaticFiles.notModified(request, etag, Long.MAX_VALUE) /* ETag only: no date revalidates */) {
            r = HttpResponses.empty(HttpResponseStatus.NOT_MODIFIED);
        } else if (StaticFiles.acceptsGzip(request)) {
            r = HttpResponses.bytes(HttpResponseStatus.OK, type, gzip);
            r.headers().set(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.GZIP);
        } else {
            r = HttpResponses.bytes(HttpResponseStatus.OK, type, plain);
        }
        r.headers().set(HttpHeaderNames.ETAG, etag);
        r.headers().set(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING);
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, cacheControl);
        r.headers().set("X-Content-Type-Options", "nosniff");
        if (csp != null) {
            r.headers().set("Content-Security-Policy", csp);
            r.headers().set("X-Frame-Options", "DENY");
            r.headers().set("Referrer-Policy", "no-referrer");
        }
        return r;
    }

    public int gzipBytes() {
        return gzip.length;
    }
}
