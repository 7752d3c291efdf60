package io.tracker.core.business;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracker.core.model.Table;
import io.tracker.core.session.DeletePendingException;
import io.tracker.core.session.SessionException;
import io.tracker.core.session.SessionReader;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The erasure above the session SPI: every reader is asked, a store still running its delete is reported as such. */
class DataSubjectsTest {
    /** Counts one row per deletion, or answers as {@code failure} does. */
    static final class Reader implements SessionReader {
        final List<Deletion> seen = new ArrayList<>();
        final SessionException failure;

        Reader(SessionException failure) {
            this.failure = failure;
        }

        @Override
        public List<Map<String, Object>> find(Table table, Map<String, Object> where, String newestFirst, int limit) {
            return List.of();
        }

        @Override
        public BigDecimal sum(Table table, String column, Map<String, Object> where) {
            return BigDecimal.ZERO;
        }

        @Override
        public long delete(Table table, Map<String, Object> where) throws SessionException {
            seen.add(new Deletion(table, where));
            if (failure != null) {
                throw failure;
            }
            return 1;
        }

        @Override
        public long deleteBefore(Table table, String timeColumn, Instant cutoff) {
            return 0;
        }
    }

    @Test
    void aStoreStillRunningItsDeleteIsReportedPendingAndTheOthersAreStillErased() throws Exception {
        Reader api = new Reader(null);
        Reader slow = new Reader(new DeletePendingException("still running", List.of("events")));
        UUID vid = UUID.randomUUID();
        DataSubjects.Erasure e = new DataSubjects(api, List.of(slow, api)).erase("vid", vid);
        assertEquals(List.of("events"), e.pending());
        assertTrue(e.deleted().get("events") >= 1, "the API session's counts: " + e.deleted());
        assertTrue(api.seen.size() >= 4 && api.seen.stream().allMatch(d -> d.where().containsValue(vid)),
                "every table of the subject, in the session after the pending one: " + api.seen);

        DataSubjects.Erasure done = new DataSubjects(api, List.of(api)).erase("vid", vid);
        assertTrue(done.pending().isEmpty());
    }

    @Test
    void aStoreThatFailsFailsTheErasure() {
        Reader broken = new Reader(new SessionException("down"));
        assertThrows(SessionException.class,
                () -> new DataSubjects(broken, List.of(broken)).erase("uid", UUID.randomUUID()));
    }
}
