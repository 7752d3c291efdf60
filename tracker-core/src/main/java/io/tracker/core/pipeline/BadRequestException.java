package io.tracker.core.pipeline;

/** The request cannot be interpreted; the message is the client-facing reason (400). */
public final class BadRequestException extends Exception {
    private final String reason;

    public BadRequestException(String reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    /** A short, stable reason code for metrics, e.g. {@code invalid_json}. */
    public String reason() {
        return reason;
    }
}
