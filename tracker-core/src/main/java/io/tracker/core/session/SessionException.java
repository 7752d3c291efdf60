package io.tracker.core.session;

/** A session operation failed; the message carries the session and table. */
public class SessionException extends Exception {
    public SessionException(String message) {
        super(message);
    }

    public SessionException(String message, Throwable cause) {
        super(message, cause);
    }
}
