package io.tracker.core.session;

/**
 * A session operation failed; the message carries the session and table. {@link #isRejected()} tells
 * the batch manager the backend refused the <em>data</em> (retrying the same rows cannot help, so the
 * batch is split to isolate the bad row); otherwise the failure is transient (retry, breaker, spool).
 */
public class SessionException extends Exception {
    private final boolean rejected;

    public SessionException(String message) {
        this(message, null, false);
    }

    public SessionException(String message, Throwable cause) {
        this(message, cause, false);
    }

    public SessionException(String message, Throwable cause, boolean rejected) {
        super(message, cause);
        this.rejected = rejected;
    }

    public static SessionException rejected(String message, Throwable cause) {
        return new SessionException(message, cause, true);
    }

    public boolean isRejected() {
        return rejected;
    }
}
