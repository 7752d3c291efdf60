package io.tracker.core.enrich;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracker.core.config.Cidr;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The layered bot rules, each with the reason stored in {@code bot_reason}:
 * <ul>
 *   <li>{@code header:headless} — a headless browser by its User-Agent or {@code Sec-CH-UA} brands</li>
 *   <li>{@code ua:client} — an HTTP library or command-line client (curl, python-requests, Go-http-client, …)</li>
 *   <li>{@code ua:missing} — no User-Agent at all on a browser route</li>
 *   <li>{@code ua:robot} — Yauaa's robot, hacker, cloud and special classes</li>
 *   <li>{@code ua:pattern} — the crawler pattern list (a file, or the built-in list)</li>
 *   <li>{@code ip:datacenter} — the address is in a datacenter range of the configured file</li>
 *   <li>{@code client:webdriver} — the page reported {@code navigator.webdriver} ({@code webdriver=1})</li>
 * </ul>
 * The User-Agent rules are judged once per distinct agent (through {@link UserAgents}' cache).
 */
public final class Bots {
    public static final String HEADLESS = "header:headless";
    public static final String UA_CLIENT = "ua:client";
    public static final String UA_MISSING = "ua:missing";
    public static final String UA_ROBOT = "ua:robot";
    public static final String UA_PATTERN = "ua:pattern";
    public static final String IP_DATACENTER = "ip:datacenter";
    public static final String WEBDRIVER = "client:webdriver";

    /** Used when no pattern file is configured: the words crawlers put in their names. */
    static final List<String> BUILT_IN = List.of("(?-i:[a-z][Bb]ot\\b|[a-z]bot)", "crawl", "spider", "slurp", "scrap",
            "facebookexternalhit", "facebookcatalog", "meta-externalagent", "embedly", "preview", "feedfetcher",
            "mediapartners", "adsbot", "lighthouse", "pingdom", "uptime", "monitor", "statuscake", "archive\\.org",
            "ia_archiver", "yandex(bot|images|metrika|direct)", "baiduspider", "bingpreview", "applebot",
            "duckduckbot", "duckassistbot", "petalbot", "semrush",
            "ahrefs", "mj12", "dotbot", "bytespider", "gptbot", "chatgpt-user", "claudebot", "claude-web",
            "anthropic-ai", "perplexity", "ccbot", "cohere-ai", "amazonbot", "google-extended", "googleother",
            "headlesschrome", "phantomjs", "selenium", "puppeteer", "playwright", "wappalyzer", "whatsapp",
            "telegrambot", "discordbot", "slackbot", "twitterbot", "linkedinbot", "skypeuripreview", "validator",
            "http_request", "fetcher", "checker", "scanner");

    /** Prefixes (lower-case) of User-Agents sent by HTTP libraries and command-line clients, not browsers. */
    static final List<String> CLIENTS = List.of("curl/", "wget/", "python-requests/", "python-urllib/", "python/",
            "python-httpx/", "aiohttp/", "httpx/", "go-http-client/", "go/", "java/", "java-http-client/", "apache-httpclient/",
            "axios/", "node-fetch/", "node/", "undici", "got ", "got/", "libwww-perl/", "lwp::", "ruby",
            "faraday", "php/", "guzzlehttp/", "postmanruntime/", "insomnia/", "httpie/", "mozilla/5.0 (windows nt; windows nt 10.0; en-us) windowspowershell/",
            "rest-client/", "restsharp/", "reqwest/", "hyper/", "deno/", "bun/", "k6/", "jmeter",
            "wrk", "ab/", "apachebench/", "hey/", "vegeta", "http.rb/", "scrapy/", "colly", "mechanize", "winhttp",
            "urlgrabber", "libcurl", "pycurl/", "w3m/", "lynx/", "links (");

    private final Pattern patterns;
    private final byte[][] starts;
    private final byte[][] ends;

    Bots(Pattern patterns, List<byte[][]> ranges) {
        this.patterns = patterns;
        List<byte[][]> merged = merge(ranges);
        this.starts = new byte[merged.size()][];
        this.ends = new byte[merged.size()][];
        for (int i = 0; i < merged.size(); i++) {
            starts[i] = merged.get(i)[0];
            ends[i] = merged.get(i)[1];
        }
    }

    /**
     * The rules of the configuration: {@code patternsFile} (empty = the built-in list) and {@code cidrsFile}
     * (empty = no datacenter ranges). A file that cannot be read or holds an invalid line fails start-up, naming it.
     */
    public static Bots load(String patternsFile, String cidrsFile, ObjectMapper mapper) throws IOException {
        Pattern p;
        if (patternsFile == null || patternsFile.isBlank()) {
            p = Pattern.compile(String.join("|", BUILT_IN), Pattern.CASE_INSENSITIVE);
        } else {
            p = compile(readPatterns(Path.of(patternsFile), mapper), patternsFile);
        }
        List<byte[][]> ranges = new ArrayList<>();
        if (cidrsFile != null && !cidrsFile.isBlank()) {
            int n = 0;
            for (String line : Files.readAllLines(Path.of(cidrsFile), StandardCharsets.UTF_8)) {
                n++;
                String t = stripComment(line);
                if (t.isEmpty()) {
                    continue;
                }
                try {
                    Cidr c = Cidr.parse(t);
                    ranges.add(new byte[][] {v6(c.first()), v6(c.last())});
                } catch (IllegalArgumentException e) {
                    throw new IOException(cidrsFile + ":" + n + ": " + e.getMessage());
                }
            }
        }
        return new Bots(p, ranges);
    }

    static List<String> readPatterns(Path file, ObjectMapper mapper) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, StandardCharsets.UTF_8).trim();
        List<String> out = new ArrayList<>();
        if (text.startsWith("[")) { // the crawler-user-agents JSON: [{"pattern": "..."}, ...]
            for (JsonNode n : mapper.readTree(bytes)) {
                JsonNode p = n.isTextual() ? n : n.get("pattern");
                if (p != null && p.isTextual() && !p.textValue().isEmpty()) {
                    out.add(p.textValue());
                }
            }
        } else {
            for (String line : text.split("\n")) {
                String t = line.strip();
                if (!t.isEmpty() && !t.startsWith("#")) {
                    out.add(t);
                }
            }
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": no patterns");
        }
        return out;
    }

    private static Pattern compile(List<String> list, String where) throws IOException {
        StringBuilder all = new StringBuilder();
        for (String p : list) {
            try {
                Pattern.compile(p);
            } catch (PatternSyntaxException e) {
                throw new IOException(where + ": invalid pattern " + p + ": " + e.getDescription());
            }
            if (all.length() > 0) {
                all.append('|');
            }
            all.append("(?:").append(p).append(')');
        }
        return Pattern.compile(all.toString());
    }

    /** {@link #HEADLESS} or {@link #UA_CLIENT} by the User-Agent's own words, or null. */
    public String agentReason(String ua, Map<String, String> hints) {
        String lower = ua.toLowerCase(Locale.ROOT);
        if (lower.contains("headlesschrome") || lower.contains("phantomjs")
                || String.valueOf(hints.get("sec-ch-ua")).toLowerCase(Locale.ROOT).contains("headless")) {
            return HEADLESS;
        }
        for (String c : CLIENTS) {
            if (lower.startsWith(c)) {
                return UA_CLIENT;
            }
        }
        return null;
    }

    /** {@link #UA_PATTERN} when the crawler pattern list matches, else null. */
    public String patternReason(String ua) {
        return patterns.matcher(ua).find() ? UA_PATTERN : null;
    }

    /** {@link #IP_DATACENTER} when {@code ip} is in a configured range, else null. */
    public String ipReason(String ip) {
        if (starts.length == 0 || ip == null) {
            return null;
        }
        byte[] a = Cidr.literal(ip);
        if (a == null) {
            return null;
        }
        byte[] key = v6(a);
        int lo = 0;
        int hi = starts.length - 1;
        int found = -1; // the last range starting at or before key
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Arrays.compareUnsigned(starts[mid], key) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found >= 0 && Arrays.compareUnsigned(key, ends[found]) <= 0 ? IP_DATACENTER : null;
    }

    public int rangeCount() {
        return starts.length;
    }

    /** An address as 16 bytes (IPv4 as ::ffff:a.b.c.d), so that one sorted list holds both families. */
    private static byte[] v6(byte[] a) {
        if (a.length == 16) {
            return a;
        }
        byte[] out = new byte[16];
        out[10] = (byte) 0xff;
        out[11] = (byte) 0xff;
        System.arraycopy(a, 0, out, 12, 4);
        return out;
    }

    private static List<byte[][]> merge(List<byte[][]> ranges) {
        List<byte[][]> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparing((byte[][] r) -> r[0], Arrays::compareUnsigned));
        List<byte[][]> out = new ArrayList<>();
        for (byte[][] r : sorted) {
            byte[][] last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && Arrays.compareUnsigned(r[0], last[1]) <= 0) {
                if (Arrays.compareUnsigned(r[1], last[1]) > 0) {
                    last[1] = r[1];
                }
            } else {
                out.add(new byte[][] {r[0], r[1]});
            }
        }
        return out;
    }

    private static String stripComment(String line) {
        int hash = line.indexOf('#');
        return (hash >= 0 ? line.substring(0, hash) : line).strip();
    }
}
