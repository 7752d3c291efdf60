package io.tracker.core.pipeline.steps;

import io.tracker.core.pipeline.EventContext;
import io.tracker.core.pipeline.Step;
import io.tracker.core.pipeline.StepResult;

/**
 * The tenant of the request's API key is the event's {@code oid}, whatever the event said: a client with a key of
 * tenant A cannot write into tenant B. Requests without a key keep the {@code oid} they send (browser routes).
 */
public final class TenantStep implements Step {
    @Override
    public String name() {
        return "tenant";
    }

    @Override
    public StepResult apply(EventContext event) {
        java.util.UUID tenant = event.request().tenant();
        if (tenant != null) {
            event.values().put("oid", tenant.toString());
        }
        return StepResult.CONTINUE;
    }
}
