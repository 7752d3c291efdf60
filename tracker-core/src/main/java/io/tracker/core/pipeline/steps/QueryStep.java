package io.tracker.core.pipeline.steps;

import io.tracker.core.pipeline.BadRequestException;
import io.tracker.core.pipeline.EventContext;
import io.tracker.core.pipeline.Step;
import io.tracker.core.pipeline.StepResult;
import io.tracker.core.pipeline.UrlCodec;
import java.util.Locale;
import java.util.Map;

/**
 * Spec §3 step 6 (GET): query parameters become values, keys lower-cased with {@code utm_} removed
 * ({@code utm_source → source}); skipped entirely when the ignore key is present.
 */
public final class QueryStep implements Step {
    private final String ignoreKey;
    private final boolean lowercase;

    public QueryStep(String ignoreKey, boolean lowercase) {
        this.ignoreKey = ignoreKey;
        this.lowercase = lowercase;
    }

    @Override
    public String name() {
        return "query";
    }

    @Override
    public StepResult apply(EventContext event) throws BadRequestException {
        String method = event.request().method();
        // A WebSocket frame carries the upgrade request's query (a GET), as the Go tracker merges it (spec §2.7).
        if (!method.equals("GET") && !method.equals("HEAD") && event.request().route() != io.tracker.core.pipeline.Route.WEBSOCKET) {
            return StepResult.CONTINUE;
        }
        Map<String, String> query = UrlCodec.parseQuery(event.request().rawQuery());
        if (query.isEmpty() || (!ignoreKey.isEmpty() && query.containsKey(ignoreKey))) {
            return StepResult.CONTINUE;
        }
        for (Map.Entry<String, String> e : query.entrySet()) {
            String key = normaliseKey(e.getKey());
            if (!key.isEmpty()) {
                event.values().put(key, Values.maybeLower(key, e.getValue(),
                        lowercase && event.request().route().lowercasesValues()));
            }
        }
        return StepResult.CONTINUE;
    }

    /** Lower-case and strip every {@code utm_}. */
    public static String normaliseKey(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("utm_") ? k.replace("utm_", "") : k;
    }
}
