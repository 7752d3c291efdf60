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
        Long consent = consent(cookies);
        if (consent != null) {
            event.values().put("cflags", consent);
        }
        return StepResult.CONTINUE;
    }

    /** The consent bits of the {@code CookieConsent} cookie, or null when there is none that counts. */
    public static Long consent(java.util.Map<String, String> cookies) {
        String consent = cookies.get(CONSENT_COOKIE);
        if (consent == null) {
            return null;
        }
        try {
            return Long.parseLong(consent.trim());
        } catch (NumberFormatException ignored) {
            return null; // spec §3 step 2: only a base-10 int64 counts; anything else is not a consent value
        }
    }

    private static void putIfPresent(EventContext event, Map<String, String> cookies, String name) {
        String v = cookies.get(name);
        if (v != null && !v.isEmpty()) {
            event.values().put(name, v);
        }
    }
}
