package io.tracker.core.enrich;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracker.core.config.ConfigException;
import io.tracker.core.config.EnrichConfig;
import io.tracker.core.config.TrackerConfig;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enrichment parts of one configuration, loaded once at start-up (lists and tables read, the UA analyzer
 * built); each is null when its step is off.
 */
public record Enrichment(EnrichConfig config, UserAgents agents, Bots bots, Channels channels, TimeZones zones) {
    private static final Logger log = LoggerFactory.getLogger(Enrichment.class);

    public static Enrichment none() {
        return new Enrichment(EnrichConfig.off(), null, null, null, null);
    }

    /** Loads what {@code config.enrich()} turns on; a list file that cannot be read fails start-up, naming it. */
    public static Enrichment load(TrackerConfig config, ObjectMapper mapper) {
        EnrichConfig e = config.enrich();
        try {
            long t0 = System.nanoTime();
            Bots bots = e.bots().enabled()
                    ? Bots.load(e.bots().patternsFile(), e.bots().datacenterCidrsFile(), mapper) : null;
            UserAgents agents = e.userAgent().enabled() || bots != null ? new UserAgents(e.userAgent(), bots) : null;
            Channels channels = e.channels().enabled()
                    ? Channels.load(e.channels().domainsFile(), config.links().selfDomains()) : null;
            TimeZones zones = null;
            if (e.country().tzFallback()) {
                zones = TimeZones.load(e.country().zoneTable()).orElse(null);
                if (zones == null) {
                    log.atWarn().addKeyValue("zoneTable", e.country().zoneTable())
                            .log("enrich.country.zoneTable not found: no country from tz");
                }
            }
            log.atInfo().addKeyValue("userAgent", e.userAgent().enabled()).addKeyValue("bots", bots != null)
                    .addKeyValue("datacenterRanges", bots == null ? 0 : bots.rangeCount())
                    .addKeyValue("channels", channels != null).addKeyValue("zones", zones == null ? 0 : zones.size())
                    .addKeyValue("ms", (System.nanoTime() - t0) / 1_000_000).log("enrichment loaded");
            return new Enrichment(e, agents, bots, channels, zones);
        } catch (IOException ex) {
            throw new ConfigException("enrich: " + ex.getMessage(), ex);
        }
    }
}
