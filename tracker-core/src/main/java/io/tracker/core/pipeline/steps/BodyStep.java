package io.tracker.core.pipeline.steps;

import com.fasterxml.jackson.databind.JsonNode;
import io.tracker.core.pipeline.EventContext;
import io.tracker.core.pipeline.Step;
import io.tracker.core.pipeline.StepResult;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/** Spec §3 step 6 (POST): the event's JSON object; keys lower-cased, strings per the lower-case rule, nulls skipped. */
public final class BodyStep implements Step {
    private final boolean lowercase;

    public BodyStep(boolean lowercase) {
        this.lowercase = lowercase;
    }

    @Override
    public String name() {
        return "body";
    }

    @Override
    public StepResult apply(EventContext event) {
        if (event.body() == null) {
            return StepResult.CONTINUE;
        }
        Iterator<Map.Entry<String, JsonNode>> it = event.body().fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey().toLowerCase(Locale.ROOT);
            // params is a client-owned object: its strings keep their case.
            Values.putJson(event.values(), key, e.getValue(),
                    lowercase && !key.equals("params") && event.request().route().lowercasesValues());
        }
        return StepResult.CONTINUE;
    }
}
