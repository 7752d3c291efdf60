package io.tracker.core.business;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tracker.core.config.AdminConfig;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdminAuthTest {
    private static String basic(String u, String p) {
        return "Basic " + Base64.getEncoder().encodeToString((u + ":" + p).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void tokensByValueOrDigestAndBasicByPbkdf2() {
        String digest = HexFormat.of().formatHex(AdminAuth.sha256("from-file"));
        AdminAuth auth = new AdminAuth(new AdminConfig("from-env", List.of(digest),
                List.of(new AdminConfig.Account("ops", AdminAuth.hashPassword("pw"))), List.of()));
        assertEquals(Optional.of("token"), auth.authenticate("Bearer from-env"));
        assertEquals(Optional.of("token"), auth.authenticate("bearer from-file"));
        assertEquals(Optional.of("ops"), auth.authenticate(basic("ops", "pw")));
        assertTrue(auth.authenticate("Bearer from-envX").isEmpty());
        assertTrue(auth.authenticate(basic("ops", "pW")).isEmpty());
        assertTrue(auth.authenticate(basic("root", "pw")).isEmpty());
        assertTrue(auth.authenticate("Basic !!!").isEmpty());
        assertTrue(auth.authenticate(null).isEmpty());
    }

    @Test
    void unknownAndKnownUsersCostOnePbkdf2RunEachAndNoAccountsCostNone() {
        AdminAuth auth = new AdminAuth(new AdminConfig("", List.of(),
                List.of(new AdminConfig.Account("ops", AdminAuth.hashPassword("pw"))), List.of()));
        long before = AdminAuth.RUNS.get();
        auth.authenticate(basic("ops", "wrong"));
        assertEquals(1, AdminAuth.RUNS.get() - before, "known user");
        before = AdminAuth.RUNS.get();
        auth.authenticate(basic("nobody", "wrong"));
        assertEquals(1, AdminAuth.RUNS.get() - before, "unknown user: the same work, so timing names no user");
        AdminAuth none = new AdminAuth(AdminConfig.standard());
        before = AdminAuth.RUNS.get();
        none.authenticate(basic("ops", "pw"));
        assertEquals(0, AdminAuth.RUNS.get() - before, "no accounts: nothing to spend CPU on");
    }

    @Test
    void nothingIsAcceptedWhenNothingIsConfigured() {
        AdminAuth none = new AdminAuth(AdminConfig.standard());
        assertFalse(none.configured());
        assertTrue(none.authenticate("Bearer ").isEmpty());
        assertTrue(none.authenticate("Bearer anything").isEmpty());
    }

    @Test
    void passwordHashesAreSaltedAndVerify() {
        String a = AdminAuth.hashPassword("same");
        String b = AdminAuth.hashPassword("same");
        assertFalse(a.equals(b), "random salt");
        assertTrue(AdminAuth.verify("same", a) && AdminAuth.verify("same", b));
        assertFalse(AdminAuth.verify("other", a));
    }
}
