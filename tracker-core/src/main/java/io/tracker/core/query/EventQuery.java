package io.tracker.core.query;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One aggregate question about a tenant's events, validated: the shape of Plausible's Stats API v2, answered by
 * {@link Analytics#aggregate}. {@code oid} always comes from the caller's credential, never from the request.
 *
 * @param from        the range's start (inclusive)
 * @param to          the range's end (exclusive)
 * @param includeBots count events flagged {@code is_bot} too (off: humans and events not judged)
 * @param pageviews   the {@code ename}s that are page views ({@code api.pageviewNames})
 */
public record EventQuery(UUID oid, Instant from, Instant to, List<Metric> metrics, List<Dimension> dimensions,
                         Filter filter, List<Order> orderBy, int limit, int offset, boolean includeBots,
                         List<String> pageviews) {

    public EventQuery {
        pageviews = List.copyOf(pageviews);
        metrics = List.copyOf(metrics);
        dimensions = List.copyOf(dimensions);
        orderBy = List.copyOf(orderBy);
        if (oid == null) {
            throw new IllegalArgumentException("a query is always of one tenant");
        }
    }

    /** The metrics the API offers. */
    public enum Metric {
        EVENTS("events"), VISITORS("visitors"), VISITS("visits"), PAGEVIEWS("pageviews"), BOUNCE_RATE("bounce_rate"),
        REVENUE("revenue");

        private final String wire;

        Metric(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        public static Metric of(String wire) {
            for (Metric m : values()) {
                if (m.wire.equals(wire)) {
                    return m;
                }
            }
            return null;
        }
    }

    /** Time buckets, in UTC. */
    public enum Grain {
        HOUR, DAY, WEEK, MONTH
    }

    /**
     * A grouping or filtering dimension: an {@code events} column, a property of {@code params}, or a time bucket.
     *
     * @param wire   its name in the API ({@code visit:source}, {@code event:props:plan}, {@code time:day})
     * @param column the column (COLUMN), the property key (PROP), null (TIME)
     */
    public record Dimension(String wire, Kind kind, String column, Grain grain) {
        public enum Kind { COLUMN, PROP, TIME }
    }

    /** A filter tree: conditions combined by and / or / not. */
    public sealed interface Filter permits Condition, And, Or, Not {
    }

    public enum Op { IS, IS_NOT, CONTAINS, MATCHES }

    /** {@code dimension op any of values} ({@code is_not}: none of them). */
    public record Condition(Op op, Dimension dimension, List<String> values) implements Filter {
        public Condition {
            values = List.copyOf(values);
        }
    }

    public record And(List<Filter> all) implements Filter {
        public And {
            all = List.copyOf(all);
        }
    }

    public record Or(List<Filter> any) implements Filter {
        public Or {
            any = List.copyOf(any);
        }
    }

    public record Not(Filter filter) implements Filter {
    }

    /** Order by a selected metric or dimension, by its wire name. */
    public record Order(String name, boolean descending) {
    }
}
