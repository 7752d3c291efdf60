package io.tracker.core.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracker.core.config.EnrichConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Yauaa itself on a corpus of real User-Agents (test resource enrich/user-agents.txt). */
class UserAgentsTest {
    private static UserAgents agents;

    @BeforeAll
    static void load() throws Exception {
        agents = new UserAgents(EnrichConfig.UserAgent.standard(), Bots.load("", "", new ObjectMapper()));
    }

    record Sample(String device, String ua) {
    }

    static List<Sample> corpus() throws Exception {
        List<Sample> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                UserAgentsTest.class.getResourceAsStream("/enrich/user-agents.txt"), StandardCharsets.UTF_8))) {
            String device = null;
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("# ") && !line.contains(" ")) {
                    continue;
                }
                if (line.startsWith("# ") && line.substring(2).matches("[a-z]+")) {
                    device = line.substring(2);
                } else if (!line.isBlank() && !line.startsWith("#")) {
                    out.add(new Sample(device, line));
                }
            }
        }
        return out;
    }

    @Test
    void everyDeviceClassOfTheCorpusAndNoneIsABot() throws Exception {
        List<Sample> corpus = corpus();
        assertEquals(27, corpus.size());
        List<String> wrong = new ArrayList<>();
        for (Sample s : corpus) {
            UserAgents.Agent a = agents.of(s.ua(), Map.of());
            if (!s.device().equals(a.device()) || a.botReason() != null || a.browser() == null || a.os() == null) {
                wrong.add(s.device() + " <- " + a + " <- " + s.ua());
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void namesAndVersions() {
        UserAgents.Agent a = agents.of("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 "
                + "(KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1", Map.of());
        assertEquals("Safari", a.browser());
        assertEquals("17.4.1", a.browserVersion());
        assertEquals("iOS", a.os());
        assertEquals("17.4.1", a.osVersion());
        assertEquals("phone", a.device());
        UserAgents.Agent w = agents.of("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                + "Chrome/124.0.0.0 Safari/537.36", Map.of());
        assertEquals("Chrome", w.browser());
        assertEquals("Windows NT", w.os());
        assertNull(w.osVersion(), "a reduced Windows UA cannot tell 10 from 11");
    }

    @Test
    void clientHintsRefineWhatTheReducedUserAgentHides() {
        String ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
        UserAgents.Agent a = agents.of(ua, Map.of(
                "sec-ch-ua", "\"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"",
                "sec-ch-ua-mobile", "?0",
                "sec-ch-ua-platform", "\"Windows\"",
                "sec-ch-ua-platform-version", "\"15.0.0\"",
                "sec-ch-ua-full-version-list", "\"Chromium\";v=\"124.0.6367.91\", \"Google Chrome\";v=\"124.0.6367.91\""));
        assertEquals("Windows NT", a.os());
        assertEquals("11", a.osVersion(), "platform version 13+ is Windows 11");
        assertEquals("124.0.6367.91", a.browserVersion());
    }

    @Test
    void robotsByTheirOwnWords() {
        assertEquals(Bots.UA_ROBOT, agents.of("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                Map.of()).botReason());
        assertEquals("robot", agents.of("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                Map.of()).device());
        assertEquals(Bots.UA_CLIENT, agents.of("curl/8.4.0", Map.of()).botReason());
        assertEquals(Bots.HEADLESS, agents.of("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                + "HeadlessChrome/124.0.0.0 Safari/537.36", Map.of()).botReason());
    }

    @Test
    void resultsAreCachedAndLongAgentsCut() {
        String ua = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36";
        assertSame(agents.of(ua, Map.of()), agents.of(new String(ua.toCharArray()), Map.of()));
        UserAgents.Agent longOne = agents.of(ua + " " + "x".repeat(5000), Map.of());
        assertNotNull(longOne.device());
        assertSame(UserAgents.Agent.NONE, agents.of("  ", Map.of()));
    }

    @Test
    void aFloodOfInventedAgentsIsParsedOnlyUpToTheBudget() throws Exception {
        UserAgents limited = new UserAgents(new EnrichConfig.UserAgent(true, 1000, 1024, 5),
                Bots.load("", "", new ObjectMapper()));
        int parsed = 0;
        for (int i = 0; i < 60; i++) {
            UserAgents.Agent a = limited.of("Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/" + i + ".0", Map.of());
            parsed += a.browser() != null ? 1 : 0;
        }
        assertEquals(true, parsed >= 5 && parsed <= 15, "parsed " + parsed + " (5 per second)");
        assertEquals(60 - parsed, limited.skipped());
        assertEquals(Bots.UA_CLIENT, limited.of("curl/8.4.0", Map.of()).botReason(), "the cheap rules still hold");
        Thread.sleep(1100);
        assertEquals("Firefox", limited.of("Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/59.0", Map.of())
                .browser(), "an unparsed agent is parsed when it comes again with budget left");
    }
}
