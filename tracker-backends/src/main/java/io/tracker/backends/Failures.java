package io.tracker.backends;

import io.tracker.core.session.SessionException;
import java.util.function.Predicate;

/**
 * Failure classification shared by every backend: walks an exception's cause chain and decides what a retry can do.
 * Data errors (the backend's own codes, or a client-side type or range refusal) are {@code REJECTED}; network trouble
 * and time-outs — and the backend's own "busy / out of space / read-only" codes — are {@code UNAVAILABLE}; anything else
 * is {@code UNKNOWN}, which the batch manager retries and, if the backend keeps answering its probe, isolates as a
 * data problem. A backend never needs to know every message text for a bad row to be unable to halt storage.
 */
public final class Failures {
    private Failures() {
    }

    public static SessionException classify(String message, Throwable e, Predicate<Throwable> dataError,
                                            Predicate<Throwable> outage) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (dataError.test(t) || t instanceof ClassCastException) {
                return SessionException.rejected(message, e);
            }
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (isNetwork(t) || outage.test(t)) {
                return SessionException.unavailable(message, e);
            }
        }
        return new SessionException(message, e);
    }

    /** The session is not open (closed, or opening failed): an outage, never the rows' fault. */
    public static SessionException notOpen(String message) {
        return SessionException.unavailable(message, null);
    }

    private static boolean isNetwork(Throwable t) {
        return t instanceof java.net.SocketException || t instanceof java.net.SocketTimeoutException
                || t instanceof java.net.UnknownHostException || t instanceof java.net.http.HttpTimeoutException
                || t instanceof java.util.concurrent.TimeoutException || t instanceof InterruptedException
                || t instanceof java.nio.channels.ClosedChannelException
                || t instanceof java.io.EOFException || t instanceof java.io.InterruptedIOException;
    }
}
