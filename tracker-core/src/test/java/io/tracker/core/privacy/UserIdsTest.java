package io.tracker.core.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class UserIdsTest {
    private static final UUID A = UUID.randomUUID();
    private static final UUID B = UUID.randomUUID();

    @Test
    void aUuidIsKeptAndAnyOtherIdMapsToAStableKeyedUuidPerTenant() {
        UserIds ids = new UserIds(new byte[32]);
        UUID u = UUID.randomUUID();
        assertEquals(u, ids.uid(A, u.toString()));
        UUID x = ids.uid(A, "user-42@example.com");
        assertEquals(x, ids.uid(A, "user-42@example.com"), "stable: it can be looked up again");
        assertEquals(8, x.version());
        assertEquals(2, x.variant());
        assertNotEquals(x, ids.uid(B, "user-42@example.com"), "another tenant, another uid");
        assertNotEquals(x, new UserIds(new byte[] {1}).uid(A, "user-42@example.com"), "keyed: another secret, another uid");
        assertNull(ids.uid(A, " "));
    }
}
