package io.tracker.core.session;

import io.tracker.core.model.Table;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The read side of a session that can serve the business APIs (short-link lookup, consent, LTV totals,
 * data-subject export and erasure, retention pruning). Unlike {@link Session#write}, it is called from many
 * threads at once. Filters are equality on named columns of {@code table}, values of the column's Java
 * type; they always reach the backend as parameters (or, where a backend has none, as typed literals of
 * UUIDs and numbers only — never client text).
 *
 * <p>Rows come back as column → value in column order, values of the column type's Java class, absent
 * values omitted.
 */
public interface SessionReader {

    /** Rows matching every {@code where} entry, newest {@code newestFirst} first, at most {@code limit}. */
    List<Map<String, Object>> find(Table table, Map<String, Object> where, String newestFirst, int limit)
            throws SessionException;

    /** SUM of a DECIMAL column over the matching rows (zero when none), exact. */
    BigDecimal sum(Table table, String column, Map<String, Object> where) throws SessionException;

    /**
     * Deletes the matching rows; returns how many there were. {@code where} holds UUID values only (the
     * data-subject keys vid / uid), so a backend without bound parameters for deletes can still stay safe.
     * Returns once the rows are gone for readers.
     */
    long delete(Table table, Map<String, Object> where) throws SessionException;

    /** One {@link #delete} of {@link #deleteAll}. */
    record Deletion(Table table, Map<String, Object> where) {
        public Deletion {
            where = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(where));
        }
    }

    /**
     * The {@link #delete}s of {@code deletions}, counts in the same order; returns once all are done. A backend whose
     * deletes are slow and asynchronous (ClickHouse mutations) runs them together; the default runs them in turn.
     */
    default long[] deleteAll(List<Deletion> deletions) throws SessionException {
        long[] counts = new long[deletions.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = delete(deletions.get(i).table(), deletions.get(i).where());
        }
        return counts;
    }

    /** Deletes rows whose {@code timeColumn} is before {@code cutoff}; returns how many there were. */
    long deleteBefore(Table table, String timeColumn, Instant cutoff) throws SessionException;
}
