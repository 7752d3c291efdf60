package io.tracker.server;

import io.tracker.core.config.TrackerConfig;
import io.tracker.core.model.Tables;
import io.tracker.core.session.Session;
import io.tracker.core.session.SessionRegistry;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code tracker rollups --rebuild}: opens the configured sessions and recomputes the rollups of those that keep them. */
final class RollupRebuild {
    private RollupRebuild() {
    }

    /** Per session: the rows written per rollup table, or why it has none. */
    static Map<String, String> run(TrackerConfig config, LocalDate from, LocalDate to) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        List<Session> sessions = SessionRegistry.fromClassPath().create(config);
        List<Session> opened = new ArrayList<>();
        try {
            for (Session s : sessions) {
                s.open(List.of(Tables.EVENTS));
                opened.add(s);
                out.put(s.name(), s.keepsRollups() ? s.rebuildRollups(from, to).toString() : "keeps no rollups");
            }
        } finally {
            for (Session s : opened) {
                s.close();
            }
        }
        return out;
    }
}
