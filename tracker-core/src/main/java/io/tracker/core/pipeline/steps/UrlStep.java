package io.tracker.core.pipeline.steps;

import io.tracker.core.pipeline.EventContext;
import io.tracker.core.pipeline.Step;
import io.tracker.core.pipeline.StepResult;
import java.util.Locale;

/**
 * Spec §4.4: {@code url} and {@code last} are stored as {@code host/path}: lower-cased, scheme removed
 * (quirk §18.7 fixed: no leading {@code //}), query and fragment dropped.
 */
public final class UrlStep implements Step {
    @Override
    public String name() {
        return "url";
    }

    @Override
    public StepResult apply(EventContext event) {
        normalise(event, "url");
        normalise(event, "last");
        return StepResult.CONTINUE;
    }

    private static void normalise(EventContext event, String key) {
        if (event.values().get(key) instanceof String s) {
            event.values().put(key, normalise(s));
        }
    }

    public static String normalise(String url) {
        String u = url.toLowerCase(Locale.ROOT);
        // Strip every leading scheme or "//" so that normalising twice changes nothing.
        while (true) {
            u = u.trim();
            int scheme = u.indexOf("://");
            if (scheme > 0 && isScheme(u, scheme)) {
                u = u.substring(scheme + 3);
            } else if (u.startsWith("//")) {
                u = u.substring(2);
            } else {
                break;
            }
        }
        int cut = u.length();
        int q = u.indexOf('?');
        if (q >= 0) {
            cut = q;
        }
        int h = u.indexOf('#');
        if (h >= 0 && h < cut) {
            cut = h;
        }
        return u.substring(0, cut).trim();
    }

    private static boolean isScheme(String s, int end) {
        if (!Character.isLetter(s.charAt(0))) {
            return false;
        }
        for (int i = 1; i < end; i++) {
            char c = s.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '+' || c == '-' || c == '.')) {
                return false;
            }
        }
        return true;
    }
}
