package io.tracker.core.pipeline;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import java.util.UUID;

/** Time-ordered event ids (UUIDv7, RFC 9562) and lenient parsing of client-supplied ids. */
public final class EventIds {
    /**
     * No one's id: the subject of the fence rows ClickHouse erasures write on a quorum cluster, which every erasure
     * deletes. A client that sends it (as vid, uid, sid, eid or any id) is treated as having sent no valid id.
     */
    public static final UUID RESERVED = UUID.fromString("00000000-0000-0000-0000-0000000fe0ce");

    private final TimeBasedEpochGenerator generator = Generators.timeBasedEpochGenerator();

    public UUID next() {
        return generator.generate();
    }

    /** The UUID in {@code value} when it is a canonical 36-character UUID string (not {@link #RESERVED}), else null. */
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
        UUID u = UUID.fromString(s);
        return u.equals(RESERVED) ? null : u;
    }
}
