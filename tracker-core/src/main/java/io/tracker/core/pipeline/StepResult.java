package io.tracker.core.pipeline;

/** What a step decided: carry on, or drop the event with a typed reason. */
public sealed interface StepResult {
    StepResult CONTINUE = new Continue();

    static StepResult drop(String reason) {
        return new Drop(reason);
    }

    record Continue() implements StepResult {
    }

    record Drop(String reason) implements StepResult {
    }
}
