package io.tracker.core.pipeline.steps;

import io.tracker.core.pipeline.EventContext;
import io.tracker.core.pipeline.Step;
import io.tracker.core.pipeline.StepResult;

/** Spec §3 step 7: a string {@code content} without an {@code ename} becomes the event name. */
public final class ContentAsEnameStep implements Step {
    @Override
    public String name() {
        return "content-as-ename";
    }

    @Override
    public StepResult apply(EventContext event) {
        if (event.values().get("content") instanceof String content && !(event.values().get("ename") instanceof String)) {
            event.values().put("ename", content);
            event.values().remove("content");
        }
        return StepResult.CONTINUE;
    }
}
