package io.tracker.backends.facebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tracker.core.batch.BatchManager;
import io.tracker.core.config.BatchConfig;
import io.tracker.core.config.TableBatchConfig;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Tables;
import io.tracker.core.session.SessionException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Conversions API session through the batch manager, against {@link GraphApiStub}, which checks every request
 * against the documented payload rules: consent gating, hashing, batching of at most 1000, retry of 5xx and 429, and
 * dead letters for what the API (or the session, before sending) refuses — every path counted.
 */
class FacebookCapiSessionTest {
    private static final String TOKEN = "EAAtestTOKEN0123456789";
    private static final String UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

    @TempDir
    Path dataDir;
    private GraphApiStub api;

    @BeforeEach
    void start() throws Exception {
        api = new GraphApiStub("v24.0", "1234567890", TOKEN);
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private FacebookCapiSession session(String token) {
        return session(token, 1_000);
    }

    private FacebookCapiSession session(String token, int perRequest) {
        return new FacebookCapiSession("facebook", new FacebookCapiSettings("1234567890", token, "v24.0", api.url(),
                Map.of("purchase", "Purchase", "signup", "CompleteRegistration", "page_view", "PageView"), "Purchase",
                "website", 8, 0, "TEST4242", perRequest, 5_000, 1_000, 100_000));
    }

    private static RowBuilder event(String ename, Long cflags, UUID vid, long at) {
        return new RowBuilder(Tables.EVENTS).eid(UUID.randomUUID()).set("ename", ename).set("cflags", cflags)
                .set("vid", vid).set("created_at", at).set("url", "https://shop.example/p?x=1").set("browser", "Chrome")
                .set("ip", "203.0.113.0").set("country", "FR").set("city", "Saint-Étienne").set("zip", "42 000")
                .set("params", "{\"ua\":\"" + UA + "\"}");
    }

    @Test
    void forwardsConsentedMappedEventsHashedInBatchesAndDeadLettersRefusals() throws Exception {
        api.failFirst = 2;
        api.throttleFirst = 1;
        long now = System.currentTimeMillis();
        List<Row> rows = new ArrayList<>();
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 2_500; i++) {
            Row r = event("page_view", 15L, UUID.randomUUID(), now - i).build();
            rows.add(r);
            expected.add(r.eid().toString());
        }
        for (int i = 0; i < 100; i++) {
            rows.add(event("page_view", 5L, UUID.randomUUID(), now).build()); // analytics, no marketing
        }
        for (int i = 0; i < 50; i++) {
            rows.add(event("page_view", null, UUID.randomUUID(), now).build()); // no consent known
        }
        for (int i = 0; i < 50; i++) {
            rows.add(event("page_view", 15L, UUID.randomUUID(), now).set("is_bot", true).build());
        }
        for (int i = 0; i < 30; i++) {
            rows.add(event("scroll", 15L, UUID.randomUUID(), now).build()); // not mapped
        }
        rows.add(event("page_view", 15L, UUID.randomUUID(), now - Duration.ofDays(8).toMillis()).build()); // too old
        UUID buyer = UUID.randomUUID();
        Row purchase = event("purchase", 15L, buyer, now).set("params", "{\"value\":\"19.99\",\"currency\":\"eur\","
                + "\"em\":\"" + FacebookCapiSession.sha256("foo.bar@example.com").toUpperCase() + "\",\"ph\":\""
                + FacebookCapiSession.sha256("33612345678") + "\",\"fbp\":\"fb.1.1596403881668.1116446470\","
                + "\"order_id\":\"o-1\",\"client_user_agent\":\"" + UA + "\"}").build();
        rows.add(purchase);
        expected.add(purchase.eid().toString());
        // A raw email or phone never leaves (the pipeline drops them; a row holding one anyway sends no em/ph).
        Row raw = event("page_view", 15L, UUID.randomUUID(), now).set("params", "{\"ua\":\"" + UA
                + "\",\"em\":\"raw.person@example.com\",\"ph\":\"+33 6 99 99 99 99\"}").build();
        rows.add(raw);
        expected.add(raw.eid().toString());
        Row noCurrency = event("purchase", 15L, UUID.randomUUID(), now).set("params", "{\"value\":5}").build();
        rows.add(noCurrency);
        Row refused = event("signup", 15L, UUID.randomUUID(), now).build();
        rows.add(1_000, refused); // mid-batch: requests before it in the same write were accepted
        api.refuse.add(refused.eid().toString());

        TableBatchConfig t = new TableBatchConfig("hybrid", 5_000, 64L << 20, 20, 1, 1, 2, "memory");
        BatchConfig c = new BatchConfig(256L << 20, 1L << 30, 1L << 20, 1, 1, 10, 200, 5, 1_000, 3, t, Map.of());
        // 400 per request: a refused request comes after accepted ones of the same write, whose retry must skip them.
        BatchManager m = new BatchManager(List.of(session(TOKEN, 400)), Tables.ALL, c, dataDir,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        m.start();
        m.awaitOpen(Duration.ofSeconds(30));
        m.enqueue(rows);
        // A payment has no consent flags of its own: its visitor's agreement (seen first) decides.
        UUID agreed = UUID.randomUUID();
        m.enqueue(List.of(new RowBuilder(Tables.AGREEMENTS).eid(UUID.randomUUID()).set("vid", agreed).set("cflags", 15L)
                .set("created_at", now).set("updated_at", now).build()));
        m.flush().get();
        Row payment = new RowBuilder(Tables.PAYMENTS).eid(UUID.randomUUID()).set("vid", agreed).set("orid", UUID.randomUUID())
                .set("currency", "usd").set("total", new BigDecimal("42.5000")).set("created_at", now).build();
        Row strangersPayment = new RowBuilder(Tables.PAYMENTS).eid(UUID.randomUUID()).set("vid", UUID.randomUUID())
                .set("currency", "usd").set("total", new BigDecimal("1.0000")).set("created_at", now).build();
        m.enqueue(List.of(payment, strangersPayment));
        expected.add(payment.eid().toString());
        m.close(Duration.ofSeconds(60));

        assertEquals(List.of(), api.violations, "every request kept the documented rules");
        assertEquals(expected, api.accepted.keySet(), "exactly the consented, mapped, recent, human events");
        assertTrue(api.accepted.values().stream().allMatch(n -> n == 1), "none sent twice across retries and isolation");
        assertTrue(api.batchSizes.stream().allMatch(n -> n <= 400), api.batchSizes.toString());
        assertTrue(api.batchSizes.size() >= 7, "2,500 events take at least 7 requests: " + api.batchSizes);
        assertEquals(2, api.serverErrors.get(), "two 500s answered, and retried");
        assertEquals(Set.of("TEST4242"), api.testEventCodes);
        assertEquals(0, m.status().get(0).rowsLost());

        JsonNode sent = api.acceptedEvents.stream().filter(e -> e.get("event_id").asText().equals(purchase.eid().toString()))
                .findFirst().orElseThrow();
        JsonNode user = sent.get("user_data");
        assertEquals("Purchase", sent.get("event_name").asText());
        assertEquals(now / 1000, sent.get("event_time").asLong());
        assertEquals("website", sent.get("action_source").asText());
        assertEquals("https://shop.example/p?x=1", sent.get("event_source_url").asText());
        assertEquals(FacebookCapiSession.sha256("foo.bar@example.com"), user.get("em").get(0).asText());
        assertEquals(FacebookCapiSession.sha256("33612345678"), user.get("ph").get(0).asText());
        assertEquals(FacebookCapiSession.sha256(buyer.toString()), user.get("external_id").get(0).asText());
        assertEquals(FacebookCapiSession.sha256("fr"), user.get("country").get(0).asText());
        assertEquals(FacebookCapiSession.sha256("saintétienne"), user.get("ct").get(0).asText());
        assertEquals(FacebookCapiSession.sha256("42000"), user.get("zp").get(0).asText());
        assertEquals("203.0.113.0", user.get("client_ip_address").asText());
        assertEquals(UA, user.get("client_user_agent").asText());
        assertEquals("fb.1.1596403881668.1116446470", user.get("fbp").asText());
        assertEquals(new BigDecimal("19.99"), sent.get("custom_data").get("value").decimalValue());
        assertEquals("EUR", sent.get("custom_data").get("currency").asText());
        assertEquals("o-1", sent.get("custom_data").get("order_id").asText());
        JsonNode rawSent = api.acceptedEvents.stream().filter(e -> e.get("event_id").asText().equals(raw.eid().toString()))
                .findFirst().orElseThrow();
        assertFalse(rawSent.get("user_data").has("em") || rawSent.get("user_data").has("ph"), rawSent.toString());
        assertTrue(api.acceptedEvents.stream().noneMatch(e -> e.toString().contains("example.com")
                || e.toString().contains("99 99")), "no raw identifier leaves");

        JsonNode paid = api.acceptedEvents.stream().filter(e -> e.get("event_id").asText().equals(payment.eid().toString()))
                .findFirst().orElseThrow();
        assertEquals("Purchase", paid.get("event_name").asText());
        assertEquals("other", paid.get("action_source").asText(), "no page, no browser: not a website event");
        assertEquals(new BigDecimal("42.5"), paid.get("custom_data").get("value").decimalValue());
        assertEquals("USD", paid.get("custom_data").get("currency").asText());
        assertEquals(payment.get("orid").toString(), paid.get("custom_data").get("order_id").asText());

        List<String> dead = Files.readAllLines(dataDir.resolve("deadletter").resolve("facebook.jsonl"));
        assertEquals(2, dead.size(), String.join("\n", dead));
        String all = String.join("\n", dead);
        assertTrue(all.contains(noCurrency.eid().toString()) && all.contains("without a value and a currency"), all);
        assertTrue(all.contains(refused.eid().toString()) && all.contains("refused by the test")
                && all.contains("fbtrace_id"), "the API's own message is kept: " + all);
        assertFalse(all.contains(TOKEN), "the token is never written down");
    }

    @Test
    void aBadTokenOrThrottlingIsAnOutageNotTheRowsFault() throws Exception {
        // A bad token would refuse every row alike: an outage (breaker, spool) until the operator fixes it, never a
        // dead letter per row. The API's message is kept, the token (which the stub echoes) is not.
        Row r = event("signup", 15L, UUID.randomUUID(), System.currentTimeMillis()).build();
        FacebookCapiSession wrong = session("EAAwrongTOKEN987654321");
        wrong.open(Tables.ALL);
        SessionException e = assertThrows(SessionException.class, () -> wrong.write(Tables.EVENTS, List.of(r)));
        assertEquals(SessionException.Kind.UNAVAILABLE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("Invalid OAuth access token") && e.getMessage().contains("code 190"), e.getMessage());
        assertFalse(e.getMessage().contains("EAAwrong"), e.getMessage());
        assertTrue(e.getMessage().contains("***"), "the echoed token is masked: " + e.getMessage());
        assertFalse(wrong.endpoint().toString().contains("TOKEN"), "no secret in the URL");

        api.throttleFirst = 1;
        FacebookCapiSession s = session(TOKEN);
        s.open(Tables.ALL);
        SessionException busy = assertThrows(SessionException.class, () -> s.write(Tables.EVENTS, List.of(r)));
        assertEquals(SessionException.Kind.UNAVAILABLE, busy.kind(), busy.getMessage());
        s.write(Tables.EVENTS, List.of(r), true);
        assertTrue(s.probe());
        s.close();
        assertFalse(s.probe());
        assertEquals(Map.of(r.eid().toString(), 1), api.accepted);
        assertEquals(List.of(), api.violations);
    }
}
