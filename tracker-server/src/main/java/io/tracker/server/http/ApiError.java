package io.tracker.server.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A refused request, the one error type of every route: its status, a stable {@code code} (also the {@code reason} it
 * is counted under in {@code tracker_requests_rejected_total}), a message for people, and when to retry. Handlers throw
 * it or build it; {@link Rejections#answer} counts it and renders {@code {"error": ..., "code": ...}}, so nothing is
 * refused without being counted, and the count names what the client was told.
 */
public final class ApiError extends RuntimeException {
    private final HttpResponseStatus status;
    private final String code;
    private final long retryAfterSeconds;
    private final String headerName;
    private final String headerValue;

    private ApiError(HttpResponseStatus status, String code, String message, long retryAfterSeconds, String headerName,
                     String headerValue) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
        this.headerName = headerName;
        this.headerValue = headerValue;
    }

    /** The same error with one more response header (a {@code WWW-Authenticate} challenge, say). */
    public ApiError withHeader(CharSequence name, String value) {
        return new ApiError(status, code, getMessage(), retryAfterSeconds, name.toString(), value);
    }

    public static ApiError of(HttpResponseStatus status, String code, String message) {
        return new ApiError(status, code, message, -1, null, null);
    }

    public static ApiError badRequest(String code, String message) {
        return of(HttpResponseStatus.BAD_REQUEST, code, message);
    }

    public static ApiError notFound(String code, String message) {
        return of(HttpResponseStatus.NOT_FOUND, code, message);
    }

    public static ApiError forbidden(String code, String message) {
        return of(HttpResponseStatus.FORBIDDEN, code, message);
    }

    /** 503 with {@code Retry-After}: the request was fine, the tracker cannot take it now. */
    public static ApiError unavailable(String code, String message, long retryAfterSeconds) {
        return new ApiError(HttpResponseStatus.SERVICE_UNAVAILABLE, code, message, retryAfterSeconds, null, null);
    }

    public static ApiError tooManyRequests(String message, long retryAfterSeconds) {
        return new ApiError(HttpResponseStatus.TOO_MANY_REQUESTS, "rate_limited", message, retryAfterSeconds, null, null);
    }

    /** 405 with the {@code Allow} header of the route. */
    public static ApiError methodNotAllowed(String method, String where, String allow) {
        return of(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed", method + " is not allowed on " + where)
                .withHeader(HttpHeaderNames.ALLOW, allow);
    }

    /** 503 for a connection above {@code server.maxConnections} (answered, then closed). */
    public static ApiError overConnectionLimit() {
        return unavailable("max_connections", "maximum connections reached on this node", 1);
    }

    public static ApiError internal() {
        return of(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal_error", "internal error");
    }

    public HttpResponseStatus status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** The JSON response (not counted: {@link Rejections#answer} counts and renders). */
    FullHttpResponse render() {
        FullHttpResponse r = HttpResponses.error(status, code, getMessage());
        if (retryAfterSeconds >= 0) {
            r.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(retryAfterSeconds));
        }
        if (headerName != null) {
            r.headers().set(headerName, headerValue);
        }
        return r;
    }

    @Override
    public String toString() {
        return status.code() + " " + code + ": " + getMessage();
    }
}
