package io.tracker.core.session;

/**
 * A session operation failed; the message carries the session and table. The kind tells the batch manager what
 * retrying can do: {@link Kind#REJECTED} — the backend refused the <em>data</em> (the batch is split to isolate the
 * bad rows at once); {@link Kind#UNAVAILABLE} — a known outage (connection refused, timeout, server out of space:
 * retry, breaker, spool, never blame the rows); {@link Kind#UNKNOWN} — anything else: retried, and if the same batch
 * keeps failing while the session answers its {@link Session#probe() probe}, treated as a data problem too. Sessions
 * need not recognise every error text: an unknown failure can halt nothing.
 */
public class SessionException extends Exception {
    /** What a failure says about the backend and the data. */
    public enum Kind { REJECTED, UNAVAILABLE, UNKNOWN }

    private final Kind kind;

    public SessionException(String message) {
        this(message, null, Kind.UNKNOWN);
    }

    public SessionException(String message, Throwable cause) {
        this(message, cause, Kind.UNKNOWN);
    }

    public SessionException(String message, Throwable cause, Kind kind) {
        super(message, cause);
        this.kind = kind;
    }

    public static SessionException rejected(String message, Throwable cause) {
        return new SessionException(message, cause, Kind.REJECTED);
    }

    public static SessionException unavailable(String message, Throwable cause) {
        return new SessionException(message, cause, Kind.UNAVAILABLE);
    }

    public Kind kind() {
        return kind;
    }

    public boolean isRejected() {
        return kind == Kind.REJECTED;
    }
}
