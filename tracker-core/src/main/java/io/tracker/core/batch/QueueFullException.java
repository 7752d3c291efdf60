package io.tracker.core.batch;

/** Ingest must be refused (503 + Retry-After): a session's queue is at its configured bound. */
public final class QueueFullException extends Exception {
    public QueueFullException(String message) {
        super(message, null, false, false);
    }
}
