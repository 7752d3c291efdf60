package io.tracker.core.pipeline.steps;

import io.tracker.core.pipeline.EventContext;
import io.tracker.core.pipeline.Step;
import io.tracker.core.pipeline.StepResult;
import io.tracker.core.privacy.Hashes;
import java.util.Map;

/**
 * Spec §4.2: {@code email}, {@code cell} and {@code uname} are never stored raw; they become salted
 * hashes ({@code ehash}, {@code chash}, {@code uhash}), a client-supplied hash taking precedence.
 */
public final class PiiHashStep implements Step {
    private static final String[][] FIELDS = {{"email", "ehash"}, {"cell", "chash"}, {"uname", "uhash"}};

    private final String salt;

    public PiiHashStep(String salt) {
        this.salt = salt;
    }

    @Override
    public String name() {
        return "pii-hash";
    }

    @Override
    public StepResult apply(EventContext event) {
        Map<String, Object> values = event.values();
        for (String[] f : FIELDS) {
            Object raw = values.remove(f[0]);
            if (raw != null && !values.containsKey(f[1])) {
                String s = raw instanceof String str ? str : String.valueOf(raw);
                if (!s.isBlank()) {
                    values.put(f[1], Hashes.piiHash(salt, s));
                }
            }
        }
        return StepResult.CONTINUE;
    }
}
