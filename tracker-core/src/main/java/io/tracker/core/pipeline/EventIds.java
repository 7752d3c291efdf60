package io.tracker.core.pipeline;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import java.util.UUID;

/** Time-ordered event ids (UUIDv7, RFC 9562) and lenient parsing of client-supplied ids. */
public final class EventIds {
    private final TimeBasedEpochGenerator generator = Generators.timeBasedEpochGenerator();

    public UUID next() {
        return generator.generate();
    }

    /** The UUID in {@code value} when it is a canonical 36-character UUID string, else null. */
    public static UUID parse(Object value) {
        if (!(value instanceof String s) || s.length() != 36) {
            return null;
        }
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : Character.digit(c, 16) < 0) {
                return null;
            }
        }
        return UUID.fromString(s);
    }
}
