package io.tracker.core.pipeline;

/** One named step of the values pipeline (the Plausible habit: an ordered list, each may drop). */
public interface Step {

    /** Stable name, used in metrics and logs. */
    String name();

    StepResult apply(EventContext event) throws BadRequestException;
}
