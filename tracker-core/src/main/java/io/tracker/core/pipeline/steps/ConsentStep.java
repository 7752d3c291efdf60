package io.tracker.core.pipeline.steps;

import io.tracker.core.config.PrivacyConfig;
import io.tracker.core.pipeline.EventContext;
import io.tracker.core.pipeline.Step;
import io.tracker.core.pipeline.StepResult;
import java.util.List;
import java.util.Map;

/**
 * Honours the consent flags ({@code cflags} from the body or the {@code CookieConsent} cookie; without either,
 * {@code privacy.defaultConsent}). Bits: 1 essential, 2 preferences, 4 analytics, 8 marketing.
 * <ul>
 *   <li>no analytics bit: the event is still counted, but anonymously — visitor, session and user ids, the IP
 *       and its hash, device ids, hashed PII and precise location are removed, and no {@code vid} cookie is set;</li>
 *   <li>no marketing bit: advertising identifiers ({@code gaid}, {@code idfa}, {@code msid}, {@code fbid},
 *       {@code aff}) are removed.</li>
 * </ul>
 * Runs last, so nothing a later step adds escapes it.
 */
public final class ConsentStep implements Step {
    private static final List<String> IDENTIFYING = List.of("uid", "ip", "iphash", "device_id", "auth_id", "ehash",
            "chash", "uhash", "lat", "lon", "zip", "city", "ja4h", "bhash");
    private static final List<String> ADVERTISING = List.of("gaid", "idfa", "msid", "fbid", "aff");

    private final long defaultConsent;

    public ConsentStep(long defaultConsent) {
        this.defaultConsent = defaultConsent;
    }

    @Override
    public String name() {
        return "consent";
    }

    @Override
    public StepResult apply(EventContext event) {
        Map<String, Object> v = event.values();
        long flags = flags(v.get("cflags"), defaultConsent);
        if ((flags & PrivacyConfig.ANALYTICS) == 0) {
            IDENTIFYING.forEach(v::remove);
            event.setIdentity(null, null, false);
        }
        if ((flags & PrivacyConfig.MARKETING) == 0) {
            ADVERTISING.forEach(v::remove);
        }
        return StepResult.CONTINUE;
    }

    /** The flags an event carries: an integer value (or integer string), else {@code fallback}. */
    public static long flags(Object cflags, long fallback) {
        if (cflags instanceof Long l) {
            return l;
        }
        if (cflags instanceof Integer i) {
            return i;
        }
        if (cflags instanceof Double d && d == Math.rint(d)) {
            return d.longValue();
        }
        if (cflags instanceof com.fasterxml.jackson.databind.JsonNode n && n.canConvertToExactIntegral()) {
            return n.asLong();
        }
        if (cflags instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                return fallback;
            }
        }
        return fallback;
    }
}
