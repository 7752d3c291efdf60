package io.tracker.core.pipeline.steps;

import io.tracker.core.pipeline.BadRequestException;
import io.tracker.core.pipeline.EventContext;
import io.tracker.core.pipeline.Step;
import io.tracker.core.pipeline.StepResult;
import io.tracker.core.pipeline.UrlCodec;
import java.util.Locale;
import java.util.Map;

/**
 * Spec §3 step 3: {@code /tr/v1/tr/vid/X/ename/Y} → {@code vid=X, ename=Y}. Pairs start after the route
 * prefix, so the Go tracker's stray {@code v1 → "tr"} pair is not produced; an odd trailing segment
 * is ignored.
 */
public final class PathPairsStep implements Step {
    private final boolean lowercase;

    public PathPairsStep(boolean lowercase) {
        this.lowercase = lowercase;
    }

    @Override
    public String name() {
        return "path-pairs";
    }

    @Override
    public StepResult apply(EventContext event) throws BadRequestException {
        parse(event.request().pairsPath(), lowercase && event.request().route().lowercasesValues(), event.values());
        return StepResult.CONTINUE;
    }

    /** Parses {@code path} ({@code k1/v1/k2/v2…}, percent-encoded) into {@code out}. */
    public static void parse(String path, boolean lowercase, Map<String, Object> out) throws BadRequestException {
        if (path == null || path.isEmpty()) {
            return;
        }
        int i = 0;
        int n = path.length();
        while (i < n) {
            while (i < n && path.charAt(i) == '/') {
                i++;
            }
            int keyEnd = path.indexOf('/', i);
            if (keyEnd < 0) {
                return; // odd trailing segment
            }
            int valStart = keyEnd + 1;
            int valEnd = path.indexOf('/', valStart);
            if (valEnd < 0) {
                valEnd = n;
            }
            String key = UrlCodec.decode(path.substring(i, keyEnd), false).toLowerCase(Locale.ROOT);
            String value = UrlCodec.decode(path.substring(valStart, valEnd), false);
            if (!key.isEmpty()) {
                out.put(key, Values.maybeLower(key, value, lowercase));
            }
            i = valEnd + 1;
        }
    }
}
