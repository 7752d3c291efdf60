package io.tracker.core.config;

/**
 * Enrichment steps of the values pipeline. Each fills only what the client did not send.
 *
 * @param userAgent user agents parsed with Yauaa into {@code browser}, {@code browser_version}, {@code os},
 *                  {@code os_version} and {@code device}
 * @param bots      bot detection into {@code is_bot} and {@code bot_reason} (browser routes only)
 * @param channels  GA4 default channel attribution into {@code channel}, and {@code referrer_host}
 * @param country   {@code country} from the client's {@code tz} when GeoIP has no answer
 */
public record EnrichConfig(UserAgent userAgent, Bots bots, Channels channels, Country country) {

    public EnrichConfig {
        userAgent = userAgent == null ? UserAgent.standard() : userAgent;
        bots = bots == null ? Bots.standard() : bots;
        channels = channels == null ? Channels.standard() : channels;
        country = country == null ? Country.standard() : country;
    }

    public static EnrichConfig standard() {
        return new EnrichConfig(UserAgent.standard(), Bots.standard(), Channels.standard(), Country.standard());
    }

    /** Every step off: the pipeline of the Go tracker. */
    public static EnrichConfig off() {
        return new EnrichConfig(new UserAgent(false, 20_000, 1024, 200), new Bots(false, "flag", "", "", false),
                new Channels(false, ""), new Country(false, Country.ZONE_TABLE));
    }

    /**
     * @param enabled   parse User-Agent (and {@code Sec-CH-UA*} client hints). The analyzer takes some 110 MB of
     *                  heap and 5-7 s to load at start-up (once per process)
     * @param cacheSize distinct user agents (with their hints) whose results are kept
     * @param maxLength longer User-Agent values are cut to this many characters before parsing
     * @param maxParsesPerSecond agents not in the cache parsed per second (Yauaa and the crawler list cost some
     *                  0.3-1 ms each); beyond it an event gets only the cheap rules (HTTP clients, headless) and is
     *                  parsed again when it next comes, so a flood of invented User-Agents cannot slow ingest
     */
    public record UserAgent(boolean enabled, int cacheSize, int maxLength, int maxParsesPerSecond) {
        public static UserAgent standard() {
            return new UserAgent(true, 20_000, 1024, 200);
        }
    }

    /**
     * @param enabled             judge browser-route hits; server-side routes never are
     * @param action              {@code flag} (stored with {@code is_bot}) or {@code drop} (counted, answered as usual)
     * @param patternsFile        a crawler pattern list: the JSON of the {@code crawler-user-agents} project (an array of
     *                            objects with a {@code pattern}), or a text file of one regular expression per line;
     *                            empty = the small built-in list
     * @param datacenterCidrsFile a text file of CIDR ranges (one per line, {@code #} comments) whose addresses are
     *                            datacenters; empty = none
     * @param inRollups           count bots in the rollup tables (off: rollups are humans only)
     */
    public record Bots(boolean enabled, String action, String patternsFile, String datacenterCidrsFile,
                       boolean inRollups) {
        public static Bots standard() {
            return new Bots(true, "flag", "", "", false);
        }

        public boolean drop() {
            return "drop".equals(action);
        }
    }

    /**
     * @param enabled     fill {@code channel} and {@code referrer_host}
     * @param domainsFile extra source lists: lines of {@code <category> <name-or-domain>} with category one of
     *                    {@code search social video shopping email ai}; empty = the built-in lists only
     */
    public record Channels(boolean enabled, String domainsFile) {
        public static Channels standard() {
            return new Channels(true, "");
        }
    }

    /**
     * @param tzFallback {@code country} from {@code tz} through the IANA zone table when GeoIP gave none
     * @param zoneTable  the zone table ({@code zone1970.tab} of the machine's tzdata; a {@code zone.tab} beside it is
     *                   read too, for its one country per zone)
     */
    public record Country(boolean tzFallback, String zoneTable) {
        public static final String ZONE_TABLE = "/usr/share/zoneinfo/zone1970.tab";

        public static Country standard() {
            return new Country(true, ZONE_TABLE);
        }
    }

    void validate(Validation v) {
        if (v.notNull("enrich.userAgent", userAgent)) {
            v.range("enrich.userAgent.cacheSize", userAgent.cacheSize(), 0, 10_000_000);
            v.range("enrich.userAgent.maxLength", userAgent.maxLength(), 64, 65_536);
            v.range("enrich.userAgent.maxParsesPerSecond", userAgent.maxParsesPerSecond(), 1, 1_000_000);
        }
        if (v.notNull("enrich.bots", bots)) {
            v.oneOf("enrich.bots.action", bots.action(), "flag", "drop");
            v.notNull("enrich.bots.patternsFile", bots.patternsFile());
            v.notNull("enrich.bots.datacenterCidrsFile", bots.datacenterCidrsFile());
        }
        if (v.notNull("enrich.channels", channels)) {
            v.notNull("enrich.channels.domainsFile", channels.domainsFile());
        }
        if (v.notNull("enrich.country", country)) {
            v.notNull("enrich.country.zoneTable", country.zoneTable());
        }
    }
}
