package io.tracker.core.enrich;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * GA4's default channel grouping, applied to one hit: utm_source / utm_medium / utm_campaign first, then ad click
 * ids, then the referrer's host against lists of search, social, video, shopping, email and AI-assistant sources.
 * The rules follow Google's published order (Cross-network, Paid Shopping, Paid Search, Paid Social, Paid Video,
 * Display, Paid Other, Organic Shopping, Organic Social, Organic Video, Organic Search, Referral, Email, Affiliates,
 * Audio, SMS, Mobile Push Notifications), with AI Assistants before the organic ones. A referrer on the page's own
 * host (or {@code links.selfDomains}) is {@code Internal}; no campaign, click id or referrer is {@code Direct}; a
 * campaign no rule places is {@code Unassigned}.
 */
public final class Channels {
    public enum Category { SEARCH, SOCIAL, VIDEO, SHOPPING, EMAIL, AI }

    private static final Pattern PAID_MEDIUM = Pattern.compile("^(.*cp.*|ppc|retargeting|paid.*)$");
    private static final Pattern SHOP_CAMPAIGN = Pattern.compile("^(.*(([^a-df-z]|^)shop|shopping).*)$");
    private static final Set<String> DISPLAY = Set.of("display", "banner", "expandable", "interstitial", "cpm");
    private static final Set<String> SOCIAL_MEDIUM = Set.of("social", "social-network", "social-media", "sm",
            "social network", "social media");
    private static final Set<String> EMAIL = Set.of("email", "e-mail", "e_mail", "e mail", "newsletter");
    /** Google Ads and Microsoft Ads auto-tagging ids: a paid search click even without utm parameters. */
    private static final Map<String, String> SEARCH_CLICK_IDS = Map.of("gclid", "google", "gbraid", "google",
            "wbraid", "google", "gclsrc", "google", "msclkid", "bing", "yclid", "yandex");
    private static final Map<String, String> SOCIAL_CLICK_IDS = Map.of("fbclid", "facebook", "ttclid", "tiktok",
            "li_fat_id", "linkedin", "twclid", "twitter", "rdt_cid", "reddit", "sccid", "snapchat", "epik", "pinterest");
    public static final List<String> CLICK_IDS = List.of("gclid", "gbraid", "wbraid", "gclsrc", "msclkid", "yclid",
            "fbclid", "ttclid", "li_fat_id", "twclid", "rdt_cid", "sccid", "epik", "dclid");

    /** Built-in source lists (project-authored): names match a host label, dotted entries a host or its parent. */
    static final Map<Category, List<String>> BUILT_IN = Map.of(
            Category.SEARCH, List.of("google", "bing", "yahoo", "duckduckgo", "baidu", "yandex", "ecosia", "qwant",
                    "startpage", "brave", "naver", "seznam", "sogou", "so.com", "ask", "aol", "search.yahoo.com",
                    "daum", "mojeek", "kagi", "yep", "search.brave.com", "presearch", "metager", "swisscows",
                    "dogpile", "webcrawler", "lycos", "rambler", "coccoc", "petalsearch",
                    "com.google.android.googlequicksearchbox"),
            Category.SOCIAL, List.of("facebook", "fb", "fb.me", "m.facebook.com", "l.facebook.com", "instagram", "ig",
                    "l.instagram.com", "twitter", "t.co", "x.com", "linkedin", "lnkd.in", "reddit", "pinterest",
                    "tiktok", "snapchat", "tumblr", "vk", "vk.com", "weibo", "threads.net", "mastodon", "bsky.app",
                    "quora", "discord", "telegram", "t.me", "whatsapp", "wa.me", "wechat", "line", "xing", "ok.ru",
                    "news.ycombinator.com", "producthunt", "medium.com", "substack", "messenger", "nextdoor",
                    "meetup", "slack", "stackoverflow", "stackexchange", "github", "gitlab", "flickr", "yelp"),
            Category.VIDEO, List.of("youtube", "youtu.be", "m.youtube.com", "vimeo", "twitch", "dailymotion",
                    "wistia", "rumble", "bilibili", "youku", "iqiyi", "netflix", "tiktokv"),
            Category.SHOPPING, List.of("amazon", "ebay", "etsy", "aliexpress", "alibaba", "walmart", "shopify",
                    "shopping.google.com", "shopzilla", "idealo", "mercadolibre", "rakuten", "target", "bestbuy",
                    "zalando", "temu", "shein", "igshopping"),
            Category.EMAIL, List.of("mail.google.com", "gmail", "com.google.android.gm", "outlook.live.com", "outlook.office.com",
                    "outlook.office365.com", "mail.yahoo.com", "mail.aol.com", "mail.proton.me", "proton.me",
                    "protonmail", "mail.yandex.ru", "mail.ru", "fastmail", "icloud.com", "mail.zoho.com", "gmx",
                    "web.de", "mailchimp", "mailchi.mp", "list-manage.com", "sendgrid", "campaign-archive.com",
                    "hubspot", "klaviyo", "brevo", "sendinblue", "substackcdn.com"),
            Category.AI, List.of("chatgpt", "chatgpt.com", "chat.openai.com", "openai", "perplexity", "perplexity.ai",
                    "gemini.google.com", "bard.google.com", "copilot.microsoft.com", "copilot", "claude", "claude.ai",
                    "poe", "poe.com", "you.com", "phind", "deepseek", "chat.deepseek.com", "meta.ai", "grok",
                    "grok.com", "chat.mistral.ai", "mistral", "character.ai", "pi.ai", "huggingface.co", "kimi"));

    private final Map<String, Category> hosts = new HashMap<>();
    private final Map<String, Category> names = new HashMap<>();
    private final List<String> selfDomains;

    Channels(Map<Category, List<String>> lists, List<String> selfDomains) {
        for (Map.Entry<Category, List<String>> e : lists.entrySet()) {
            for (String entry : e.getValue()) {
                add(e.getKey(), entry);
            }
        }
        this.selfDomains = selfDomains.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
    }

    /** The built-in lists, plus {@code domainsFile} ({@code <category> <name-or-domain>} per line) when not empty. */
    public static Channels load(String domainsFile, List<String> selfDomains) throws IOException {
        Channels c = new Channels(BUILT_IN, selfDomains);
        if (domainsFile != null && !domainsFile.isBlank()) {
            int n = 0;
            for (String line : Files.readAllLines(Path.of(domainsFile), StandardCharsets.UTF_8)) {
                n++;
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                String[] parts = t.split("\\s+");
                Category cat;
                try {
                    cat = Category.valueOf(parts[0].toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    cat = null;
                }
                if (parts.length != 2 || cat == null) {
                    throw new IOException(domainsFile + ":" + n + ": expected '<search|social|video|shopping|email|ai>"
                            + " <name-or-domain>'");
                }
                c.add(cat, parts[1]);
            }
        }
        return c;
    }

    private void add(Category category, String entry) {
        String e = entry.toLowerCase(Locale.ROOT);
        if (e.startsWith("www.")) {
            e = e.substring(4);
        }
        (e.indexOf('.') >= 0 ? hosts : names).put(e, category);
    }

    /**
     * The category of a source name ({@code google}, {@code fb}) or host ({@code www.google.co.uk},
     * {@code mail.google.com}): a listed host or parent host first (most specific wins), then a listed name equal to
     * one of the host's labels; null when unlisted.
     */
    public Category category(String sourceOrHost) {
        if (sourceOrHost == null || sourceOrHost.isEmpty()) {
            return null;
        }
        String h = sourceOrHost.toLowerCase(Locale.ROOT);
        if (h.startsWith("www.")) {
            h = h.substring(4);
        }
        for (String d = h; ; ) {
            Category c = hosts.get(d);
            if (c != null) {
                return c;
            }
            int dot = d.indexOf('.');
            if (dot < 0) {
                break;
            }
            d = d.substring(dot + 1);
        }
        Category exact = names.get(h);
        if (exact != null) {
            return exact;
        }
        String[] labels = h.split("\\.");
        for (int i = 0; i < labels.length - 1; i++) { // not the top-level label: "example.ask" is no search engine
            Category c = names.get(labels[i]);
            if (c != null) {
                return c;
            }
        }
        return null;
    }

    /**
     * The channel of one hit.
     *
     * @param source       utm_source (or null)
     * @param medium       utm_medium (or null)
     * @param campaign     utm_campaign (or null)
     * @param clickIds     which click ids came with the hit (names as in {@link #CLICK_IDS})
     * @param referrerHost the referrer's host (or null)
     * @param pageHost     the tracked page's host (or null)
     */
    public String channel(String source, String medium, String campaign, Set<String> clickIds, String referrerHost,
                          String pageHost) {
        String src = lower(source);
        String med = lower(medium);
        String camp = lower(campaign);
        boolean tagged = src != null || med != null || camp != null;
        if (!tagged) {
            for (String id : clickIds) {
                if (SEARCH_CLICK_IDS.containsKey(id)) {
                    return "Paid Search";
                }
            }
            if (clickIds.contains("dclid")) {
                return "Display";
            }
        }
        if (!tagged && referrerHost != null) {
            if (internal(referrerHost, pageHost)) {
                return "Internal";
            }
            src = referrerHost;
            Category c = category(referrerHost);
            med = c == Category.SEARCH ? "organic" : c == Category.SOCIAL ? "social" : c == Category.EMAIL ? "email"
                    : "referral";
        }
        if (src == null && med == null && camp == null) {
            return "Direct";
        }
        if ((src == null || src.equals("(direct)")) && (med == null || med.equals("(none)") || med.equals("(not set)"))
                && camp == null) {
            return "Direct";
        }
        Category c = category(src);
        boolean paid = med != null && PAID_MEDIUM.matcher(med).matches();
        boolean socialClick = clickIds.stream().anyMatch(SOCIAL_CLICK_IDS::containsKey);
        boolean searchClick = clickIds.stream().anyMatch(SEARCH_CLICK_IDS::containsKey);
        if (camp != null && camp.contains("cross-network")) {
            return "Cross-network";
        }
        boolean shopCampaign = camp != null && SHOP_CAMPAIGN.matcher(camp).matches();
        if ((c == Category.SHOPPING || shopCampaign) && paid) {
            return "Paid Shopping";
        }
        if ((c == Category.SEARCH && paid) || (searchClick && (paid || med == null))) {
            return "Paid Search";
        }
        if ((c == Category.SOCIAL && paid) || (socialClick && paid)) {
            return "Paid Social";
        }
        if (c == Category.VIDEO && paid) {
            return "Paid Video";
        }
        if (med != null && DISPLAY.contains(med)) {
            return "Display";
        }
        if (paid) {
            return "Paid Other";
        }
        if (c == Category.AI) {
            return "AI Assistants";
        }
        if (c == Category.SHOPPING || shopCampaign) {
            return "Organic Shopping";
        }
        if (c == Category.SOCIAL || (med != null && SOCIAL_MEDIUM.contains(med))) {
            return "Organic Social";
        }
        if (c == Category.VIDEO || (med != null && med.contains("video"))) {
            return "Organic Video";
        }
        if (c == Category.SEARCH || "organic".equals(med)) {
            return "Organic Search";
        }
        if (med != null && (med.equals("referral") || med.equals("app") || med.equals("link"))) {
            return "Referral";
        }
        if (c == Category.EMAIL || (src != null && EMAIL.contains(src)) || (med != null && EMAIL.contains(med))) {
            return "Email";
        }
        if (med != null && (med.equals("affiliate") || med.equals("affiliates"))) {
            return "Affiliates";
        }
        if ("audio".equals(med)) {
            return "Audio";
        }
        if ("sms".equals(src) || "sms".equals(med)) {
            return "SMS";
        }
        if ((med != null && (med.endsWith("push") || med.contains("mobile") || med.contains("notification")))
                || "firebase".equals(src)) {
            return "Mobile Push Notifications";
        }
        return "Unassigned";
    }

    private boolean internal(String referrerHost, String pageHost) {
        String r = strip(referrerHost);
        if (pageHost != null && r.equals(strip(pageHost))) {
            return true;
        }
        for (String d : selfDomains) {
            String s = strip(d.startsWith(".") ? d.substring(1) : d);
            if (r.equals(s) || r.endsWith("." + s)) {
                return true;
            }
        }
        return false;
    }

    private static String strip(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.startsWith("www.") ? h.substring(4) : h;
    }

    private static String lower(String s) {
        if (s == null) {
            return null;
        }
        String t = s.strip().toLowerCase(Locale.ROOT);
        return t.isEmpty() ? null : t;
    }

    /**
     * The host of a URL as clients send it ({@code https://www.google.com/search?q=x}, {@code google.com/x},
     * {@code //cdn.example}), lower-case, without port, user info or a trailing dot; null when there is none.
     */
    public static String host(String url) {
        if (url == null) {
            return null;
        }
        String u = url.strip();
        int scheme = u.indexOf("://");
        if (scheme > 0 && scheme < 16) {
            u = u.substring(scheme + 3);
        } else if (u.startsWith("//")) {
            u = u.substring(2);
        }
        int end = u.length();
        for (int i = 0; i < u.length(); i++) {
            char ch = u.charAt(i);
            if (ch == '/' || ch == '?' || ch == '#') {
                end = i;
                break;
            }
        }
        String authority = u.substring(0, end);
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            authority = authority.substring(at + 1);
        }
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            return close > 0 ? authority.substring(0, close + 1).toLowerCase(Locale.ROOT) : null;
        }
        int colon = authority.indexOf(':');
        if (colon >= 0) {
            authority = authority.substring(0, colon);
        }
        if (authority.endsWith(".")) {
            authority = authority.substring(0, authority.length() - 1);
        }
        if (authority.isEmpty() || authority.length() > 253) {
            return null;
        }
        for (int i = 0; i < authority.length(); i++) {
            char ch = authority.charAt(i);
            if (!(Character.isLetterOrDigit(ch) || ch == '-' || ch == '.' || ch == '_')) {
                return null;
            }
        }
        return authority.toLowerCase(Locale.ROOT);
    }
}
