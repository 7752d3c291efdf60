package io.tracker.core.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BotsTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void datacenterRangesOfBothFamiliesMergedAndSearched(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("dc.txt");
        Files.writeString(f, "# a cloud\n3.0.0.0/9\n3.5.0.0/16   # inside the one above\n203.0.113.0/24\n"
                + "2600:1f00::/24\n198.51.100.7\n");
        Bots b = Bots.load("", f.toString(), mapper);
        assertEquals(4, b.rangeCount(), "3.5/16 merges into 3.0/9");
        assertEquals(Bots.IP_DATACENTER, b.ipReason("3.5.1.1"));
        assertEquals(Bots.IP_DATACENTER, b.ipReason("3.127.255.255"));
        assertNull(b.ipReason("3.128.0.0"));
        assertEquals(Bots.IP_DATACENTER, b.ipReason("203.0.113.200"));
        assertNull(b.ipReason("203.0.114.1"));
        assertEquals(Bots.IP_DATACENTER, b.ipReason("198.51.100.7"));
        assertNull(b.ipReason("198.51.100.8"));
        assertEquals(Bots.IP_DATACENTER, b.ipReason("2600:1f18::1"));
        assertNull(b.ipReason("2a00:1450::1"));
        assertNull(b.ipReason("not-an-ip"));
        assertNull(b.ipReason("::ffff:8.8.8.8"));
    }

    @Test
    void aBadLineFailsNamingFileAndLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("dc.txt");
        Files.writeString(f, "10.0.0.0/8\n10.0.0.0/40\n");
        IOException e = assertThrows(IOException.class, () -> Bots.load("", f.toString(), mapper));
        assertTrue(e.getMessage().contains("dc.txt:2"), e.getMessage());
        Path p = dir.resolve("p.txt");
        Files.writeString(p, "good\n(unclosed\n");
        assertThrows(IOException.class, () -> Bots.load(p.toString(), "", mapper));
    }

    @Test
    void patternsFromTheCrawlerListJsonOrText(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("crawlers.json");
        Files.writeString(json, "[{\"pattern\":\"Googlebot\\\\/\",\"instances\":[]},{\"pattern\":\"^Our-Monitor\"}]");
        Bots b = Bots.load(json.toString(), "", mapper);
        assertEquals(Bots.UA_PATTERN, b.patternReason("Mozilla/5.0 (compatible; Googlebot/2.1)"));
        assertEquals(Bots.UA_PATTERN, b.patternReason("Our-Monitor 1.0"));
        assertNull(b.patternReason("Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"));
        Path txt = dir.resolve("crawlers.txt");
        Files.writeString(txt, "# ours\nInternalProbe\n");
        assertEquals(Bots.UA_PATTERN, Bots.load(txt.toString(), "", mapper).patternReason("x InternalProbe/2"));
    }

    @Test
    void builtInRulesWithoutAFile() throws Exception {
        Bots b = Bots.load("", "", mapper);
        assertEquals(Bots.HEADLESS, b.agentReason("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                + "HeadlessChrome/120.0.0.0 Safari/537.36", Map.of()));
        assertEquals(Bots.HEADLESS, b.agentReason("Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0 Safari/537.36",
                Map.of("sec-ch-ua", "\"Chromium\";v=\"120\", \"HeadlessChrome\";v=\"120\"")));
        for (String client : new String[] {"curl/8.4.0", "python-requests/2.31.0", "Go-http-client/2.0",
                "Wget/1.21.3", "axios/1.6.2", "Java/17.0.9", "PostmanRuntime/7.36.0"}) {
            assertEquals(Bots.UA_CLIENT, b.agentReason(client, Map.of()), client);
        }
        for (String crawler : new String[] {"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
                "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
                "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
                "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)"}) {
            assertEquals(Bots.UA_PATTERN, b.patternReason(crawler), crawler);
        }
        for (String human : new String[] {
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
                "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Mobile Safari/537.36",
                "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.0.0 Mobile DuckDuckGo/5 Safari/537.36",
                "okhttp/4.12.0", // an Android app's own client: not judged a bot by its library
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"}) {
            assertNull(b.agentReason(human, Map.of()), human);
            assertNull(b.patternReason(human), human);
        }
    }
}
