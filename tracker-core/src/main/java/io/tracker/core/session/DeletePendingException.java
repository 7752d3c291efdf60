package io.tracker.core.session;

import java.util.List;

/**
 * A delete that the store has taken durably (a ClickHouse mutation, held in ZooKeeper on a cluster) but not finished
 * within the wait: it goes on in the store, and readers may see the rows until it is done. Not a failure to retry.
 */
public final class DeletePendingException extends SessionException {
    private final List<String> tables;

    public DeletePendingException(String message, List<String> tables) {
        super(message);
        this.tables = List.copyOf(tables);
    }

    /** The tables whose delete is still running. */
    public List<String> tables() {
        return tables;
    }
}
