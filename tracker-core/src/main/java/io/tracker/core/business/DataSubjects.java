package io.tracker.core.business;

import io.tracker.core.model.Table;
import io.tracker.core.model.Tables;
import io.tracker.core.session.DeletePendingException;
import io.tracker.core.session.SessionException;
import io.tracker.core.session.SessionReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The data-subject API (GDPR art. 15/17): every row that names a visitor ({@code vid}) or user ({@code uid}), in
 * every table, found, exported or deleted. {@code ltv} rows name their subject in {@code id}.
 */
public final class DataSubjects {
    private final List<SessionReader> readers;
    private final SessionReader api;

    /** @param readers every session that can read (all are erased); {@code api} answers exports */
    public DataSubjects(SessionReader api, List<SessionReader> readers) {
        this.api = api;
        this.readers = List.copyOf(readers);
    }

    /** The conditions that select {@code key}'s rows in each table, table by table. */
    static Map<Table, List<Map<String, Object>>> conditions(String key, UUID id) {
        Map<Table, List<Map<String, Object>>> out = new LinkedHashMap<>();
        for (Table t : Tables.ALL) {
            List<Map<String, Object>> conds = new ArrayList<>();
            if (t.hasColumn(key)) {
                conds.add(Map.of(key, id));
            }
            if (t == Tables.LTV) {
                conds.add(Map.of("id_type", key, "id", id));
            }
            if (!conds.isEmpty()) {
                out.put(t, conds);
            }
        }
        return out;
    }

    /** Every row of the subject, table by table (at most {@code limit} per table). */
    public Map<String, List<Map<String, Object>>> export(String key, UUID id, int limit) throws SessionException {
        Map<String, List<Map<String, Object>>> out = new LinkedHashMap<>();
        for (var e : conditions(key, id).entrySet()) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Map<String, Object> cond : e.getValue()) {
                rows.addAll(api.find(e.getKey(), cond, "created_at", limit));
            }
            out.put(e.getKey().name(), rows);
        }
        return out;
    }

    /**
     * What an erasure did: rows deleted per table in the API session, and the tables whose delete a store has taken
     * but not finished within its wait (it goes on there; empty: all done).
     */
    public record Erasure(Map<String, Long> deleted, List<String> pending) {
    }

    /** Deletes every row of the subject in every readable session. */
    public Erasure erase(String key, UUID id) throws SessionException {
        List<SessionReader.Deletion> deletions = new ArrayList<>();
        for (var e : conditions(key, id).entrySet()) {
            for (Map<String, Object> cond : e.getValue()) {
                Map<String, Object> uuidsOnly = new LinkedHashMap<>();
                cond.forEach((k, v) -> {
                    if (v instanceof UUID) {
                        uuidsOnly.put(k, v);
                    }
                });
                deletions.add(new SessionReader.Deletion(e.getKey(), uuidsOnly));
            }
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        deletions.forEach(d -> counts.put(d.table().name(), 0L));
        java.util.Set<String> pending = new java.util.LinkedHashSet<>();
        for (SessionReader r : readers) {
            long[] deleted;
            try {
                deleted = r.deleteAll(deletions);
            } catch (DeletePendingException e) {
                pending.addAll(e.tables());
                continue; // (taken by that store; its counts are not known yet)
            }
            if (r == api) {
                for (int i = 0; i < deleted.length; i++) {
                    counts.merge(deletions.get(i).table().name(), deleted[i], Long::sum);
                }
            }
        }
        return new Erasure(counts, List.copyOf(pending));
    }
}
