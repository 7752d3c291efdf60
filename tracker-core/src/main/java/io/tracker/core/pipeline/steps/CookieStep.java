package io.tracker.core.pipeline.steps;

import io.tracker.core.pipeline.EventContext;
import io.tracker.core.pipeline.Step;
import io.tracker.core.pipeline.StepResult;
import java.util.Map;

/** Spec §3 step 2 / §5.2: {@code vid}, {@code sid}, {@code ehash} and {@code CookieConsent} (→ cflags). */
public final class CookieStep implements Step {
    public static final String CONSENT_COOKIE = "CookieConsent";

    @Override
    public String name() {
        return "cookies";
    }

    @Override
    public StepResult apply(EventContext event) {
        Map<String, String> cookies = event.request().cookies();
        if (cookies.isEmpty()) {
            return StepResult.CONTINUE;
        }
        putIfPresent(event, cookies, "vid");
        putIfPresent(event, cookies, "sid");
        putIfPresent(event, cookies, "ehash");
        String consent = cookies.get(CONSENT_COOKIE);
        if (consent != null) {
            try {
                event.values().put("cflags", Long.parseLong(consent.trim()));
            } catch (NumberFormatException ignored) {
                // Spec §3 step 2: only a base-10 int64 counts; anything else is not a consent value.
            }
        }
        return StepResult.CONTINUE;
    }

    private static void putIfPresent(EventContext event, Map<String, String> cookies, String name) {
        String v = cookies.get(name);
        if (v != null && !v.isEmpty()) {
            event.values().put(name, v);
        }
    }
}
