package io.tracker.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class RoutesTest {
    private static final Routes.Service NONE = (call, rest) -> CompletableFuture.completedFuture(null);

    private static Routes.Builder standard() {
        return Routes.builder().reserve("/tr/v1")
                .prefix("/tr/v1/tr").methods("GET", "POST", "HEAD").to(NONE)
                .exact("/tr/v1/ws").methods("GET").to(NONE)
                .prefix("/tr/v1/rpi/redirects").methods("GET").access(Routes.Access.ADMIN).to(NONE)
                .exact("/tr/v1/rpi/redirect").methods("POST", "DELETE").access(Routes.Access.ADMIN).to(NONE)
                .exact("/health").methods("GET", "HEAD").unlimited().noCors().to(NONE)
                .fallback(NONE);
    }

    @Test
    void prefixesMatchOnASegmentBoundaryAndGiveTheRest() {
        Routes r = standard().build();
        assertEquals("", r.match("/tr/v1/tr").rest());
        assertEquals("", r.match("/tr/v1/tr/").rest());
        assertEquals("ename/x/etyp/y", r.match("/tr/v1/tr/ename/x/etyp/y").rest());
        assertNull(r.match("/tr/v1/trx"), "a prefix is a whole segment");
        assertEquals("example.com", r.match("/tr/v1/rpi/redirects/example.com").rest());
        assertNull(r.match("/tr/v1/rpi/redirectsx"));
    }

    @Test
    void exactPathsAcceptOneTrailingSlashAndNothingBelow() {
        Routes r = standard().build();
        assertEquals("/tr/v1/rpi/redirect", r.match("/tr/v1/rpi/redirect/").route().path());
        assertNull(r.match("/tr/v1/rpi/redirect/x"));
        assertNull(r.match("/tr/v1/ws/x"));
        assertNotNull(r.match("/health"));
    }

    @Test
    void theFallbackNeverAnswersUnderAReservedPrefix() {
        Routes r = standard().build();
        assertSame(NONE, r.fallback("/go/summer"));
        assertNull(r.fallback("/tr/v1/nope"));
        assertNull(r.fallback("/tr/v1"));
        assertSame(NONE, r.fallback("/tr/v1x"));
    }

    @Test
    void allowListsTheDeclaredMethodsAndOptionsOnlyWhereCorsIs() {
        Routes r = standard().build();
        assertEquals("GET, HEAD, OPTIONS, POST", r.match("/tr/v1/tr/").route().allow());
        assertEquals("GET, HEAD", r.match("/health").route().allow());
        assertEquals("/tr/v1/tr/", r.match("/tr/v1/tr").route().display());
    }

    @Test
    void adminAccessIsJudgedByMethod() {
        assertTrue(Routes.Access.ADMIN_UNLESS_POST.admin("GET"));
        assertTrue(!Routes.Access.ADMIN_UNLESS_POST.admin("POST"));
        assertTrue(Routes.Access.ADMIN.admin("POST"));
        assertTrue(!Routes.Access.API.admin("DELETE"));
    }

    @Test
    void anExclusivePrefixMayNotOverlapAnotherRoute() {
        IllegalArgumentException under = assertThrows(IllegalArgumentException.class,
                () -> standard().prefix("/tr/v1/tr/api").methods("GET").exclusive().to(NONE).build());
        assertTrue(under.getMessage().contains("/tr/v1/tr/"), under.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> standard().prefix("/tr").methods("GET").exclusive().to(NONE).build(), "above the tracker's routes");
        assertThrows(IllegalArgumentException.class,
                () -> standard().prefix("/health").methods("GET").exclusive().to(NONE).build());
        assertThrows(IllegalArgumentException.class,
                () -> standard().prefix("/tr/v1/nothing-here").methods("GET").exclusive().to(NONE).build(),
                "inside a reserved prefix");
        assertNotNull(standard().prefix("/api").methods("GET").exclusive().to(NONE).build().match("/api/x"));
    }

    @Test
    void aPathDeclaredTwiceIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> standard().exact("/health").methods("GET").to(NONE).build());
        assertThrows(IllegalArgumentException.class,
                () -> standard().prefix("/tr/v1/tr/").methods("GET").to(NONE).build());
        assertThrows(IllegalArgumentException.class, () -> Routes.builder().exact("/x").to(NONE));
    }
}
