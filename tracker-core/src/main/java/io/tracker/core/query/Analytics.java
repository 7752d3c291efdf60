package io.tracker.core.query;

import io.tracker.core.session.SessionException;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The read side of the query APIs, for sessions that can answer them ({@link io.tracker.core.session.Session#analytics}).
 * Every call is of one tenant; a session answers only what its storage can answer and refuses the rest with
 * {@link Unsupported}, naming what it cannot do.
 */
public interface Analytics {

    /** Groups of {@code q}: dimension values (text; time buckets as epoch millis) and then metric values. */
    List<Group> aggregate(EventQuery q) throws SessionException;

    /**
     * A page of the events of one subject ({@code uid} or {@code vid}), newest first, every column (absent values
     * omitted), with the cursor of the next page or null.
     */
    Page userEvents(UUID oid, String byColumn, UUID subject, long fromMillis, long toMillis, List<String> enames,
                    QueryPlanner.Cursor after, int limit) throws SessionException;

    /**
     * A page of every tenant's events in [{@code fromMillis}, {@code toMillis}), newest first: for an operator's replay
     * and export, never for an API route.
     */
    Page scan(long fromMillis, long toMillis, List<String> enames, QueryPlanner.Cursor after, int limit)
            throws SessionException;

    /** The same, each statement abandoned after {@code timeout} (a 503 then); stores without a way to stop keep theirs. */
    default Analytics bounded(java.time.Duration timeout) {
        return this;
    }

    /** One day of a campaign: its clicks, conversions and conversion value in cents. */
    record CampaignDay(java.time.LocalDate day, long clicks, long conversions, long valueCents) {
    }

    /**
     * The campaign's days in [{@code from}, {@code to}) from a rollup the store keeps ({@code campaign_daily}), or null
     * when it keeps none (the caller then aggregates events).
     */
    default List<CampaignDay> campaignDays(UUID oid, String campaign, java.time.LocalDate from, java.time.LocalDate to)
            throws SessionException {
        return null;
    }

    /** Whether {@link #aggregate} answers {@code q} from the rollups (else from the events themselves). */
    default boolean fromRollups(EventQuery q) {
        return false;
    }

    /** One group of an aggregate. */
    record Group(List<Object> dimensions, List<Object> metrics) {
    }

    /** Rows of one page and where the next starts (null: this was the last). */
    record Page(List<Map<String, Object>> rows, QueryPlanner.Cursor next) {
    }

    /** A question this session's storage cannot answer (a 400 naming it, not a 503). */
    final class Unsupported extends SessionException {
        public Unsupported(String message) {
            super(message);
        }
    }
}
