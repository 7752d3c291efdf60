package io.tracker.server.http.api;

import io.tracker.core.query.Analytics;
import io.tracker.core.query.EventQuery;
import io.tracker.core.query.QueryPlanner;
import io.tracker.core.session.SessionException;
import io.tracker.server.http.ApiError;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;

/**
 * The query APIs' share of the business threads: at most {@code api.maxConcurrentQueries} statements at once (the next
 * is a 503 at once, never a queue in front of an LTV payment or a consent), each abandoned after
 * {@code api.queryTimeoutSeconds}.
 */
public final class QueryLimits implements QueryRoutes.Source {
    private final QueryRoutes.Source source;
    private final Duration timeout;
    private final Semaphore permits;

    public QueryLimits(QueryRoutes.Source source, Duration timeout, int concurrent) {
        this.source = source;
        this.timeout = timeout;
        this.permits = new Semaphore(concurrent);
    }

    @Override
    public Analytics get() throws SessionException {
        Analytics a = source.get().bounded(timeout);
        return new Analytics() {
            @Override
            public List<Group> aggregate(EventQuery q) throws SessionException {
                acquire();
                try {
                    return a.aggregate(q);
                } finally {
                    permits.release();
                }
            }

            @Override
            public Page userEvents(UUID oid, String byColumn, UUID subject, long fromMillis, long toMillis,
                                   List<String> enames, QueryPlanner.Cursor after, int limit) throws SessionException {
                acquire();
                try {
                    return a.userEvents(oid, byColumn, subject, fromMillis, toMillis, enames, after, limit);
                } finally {
                    permits.release();
                }
            }

            @Override
            public Page scan(long fromMillis, long toMillis, List<String> enames, QueryPlanner.Cursor after, int limit)
                    throws SessionException {
                return a.scan(fromMillis, toMillis, enames, after, limit);
            }

            @Override
            public List<CampaignDay> campaignDays(UUID oid, String campaign, java.time.LocalDate from,
                                                  java.time.LocalDate to) throws SessionException {
                acquire();
                try {
                    return a.campaignDays(oid, campaign, from, to);
                } finally {
                    permits.release();
                }
            }

            @Override
            public boolean fromRollups(EventQuery q) {
                return a.fromRollups(q);
            }
        };
    }

    private void acquire() {
        if (!permits.tryAcquire()) {
            throw ApiError.unavailable("queries_busy", "the query APIs are at api.maxConcurrentQueries; retry shortly", 1);
        }
    }
}
