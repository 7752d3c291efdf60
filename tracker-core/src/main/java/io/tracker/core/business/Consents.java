package io.tracker.core.business;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.core.enrich.GeoIp;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Table;
import io.tracker.core.model.Tables;
import io.tracker.core.pipeline.BadRequestException;
import io.tracker.core.pipeline.EventIds;
import io.tracker.core.privacy.Hashes;
import io.tracker.core.privacy.IpAnonymizer;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Consent records (spec §2.8, quirks fixed): one {@code agreements} row (the latest state, read newest first) and
 * one {@code agreed} row (the history) per POST. The client IP is stored only as {@code privacy.ipMode} allows
 * (the Go tracker always stored it raw); values are kept as sent, not lower-cased.
 */
public final class Consents {
    private static final List<String> TEXT = List.of("app", "rel", "url", "gaid", "idfa", "msid", "fbid", "culture",
            "source", "medium", "campaign", "term", "rcode", "aff", "device", "os", "tz", "zip", "org");
    private static final List<String> IDS = List.of("sid", "uid", "avid", "ref", "owner", "oid");

    private final EventIds ids;
    private final IpAnonymizer ips;
    private final GeoIp geoip;

    public Consents(EventIds ids, IpAnonymizer ips, GeoIp geoip) {
        this.ids = ids;
        this.ips = ips;
        this.geoip = geoip;
    }

    /** The two rows (agreements, agreed) of one consent POST. */
    public List<Row> rows(ObjectNode body, String host, String ip, String userAgent, long now) throws BadRequestException {
        UUID vid = Payload.uuid(body, "vid");
        if (vid == null) {
            throw new BadRequestException("bad_field", "vid: a visitor id (UUID) is required");
        }
        Long cflags = Payload.integer(body, "cflags");
        if (cflags == null || cflags < 0) {
            throw new BadRequestException("bad_field", "cflags: required, a non-negative integer (bits: 1 essential, "
                    + "2 preferences, 4 analytics, 8 marketing)");
        }
        String country = Payload.text(body, "country");
        String region = Payload.text(body, "region");
        Double lat = Payload.number(body, "lat");
        Double lon = Payload.number(body, "lon");
        if ((lat == null) != (lon == null)) {
            throw new BadRequestException("bad_field", "lat and lon go together");
        }
        if (geoip != null && ip != null && (country == null || lat == null)) {
            GeoIp.Lookup l = geoip.lookup(ip);
            if (l.status() == GeoIp.Lookup.Status.OK) {
                country = country != null ? country : l.location().iso2();
                region = region != null ? region : l.location().region();
                if (lat == null && l.location().lat() != null) {
                    lat = l.location().lat();
                    lon = l.location().lon();
                }
            }
        }
        Row agreement = null;
        Row history = null;
        UUID eid = ids.next();
        for (Table t : List.of(Tables.AGREEMENTS, Tables.AGREED)) {
            RowBuilder b = new RowBuilder(t).eid(eid).set("vid", vid).set("created_at", now).set("updated_at", now)
                    .set("cflags", cflags);
            for (String f : IDS) {
                b.set(f, Payload.uuid(body, f));
            }
            for (String f : TEXT) {
                b.set(f, Payload.text(body, f));
            }
            Long w = Payload.integer(body, "w");
            Long h = Payload.integer(body, "h");
            b.set("vp_w", w).set("vp_h", h).set("lat", lat).set("lon", lon)
                    .set("country", country == null ? null : country.toUpperCase(Locale.ROOT))
                    .set("region", region == null ? null : region.toLowerCase(Locale.ROOT))
                    .set("hhash", host == null || host.isEmpty() ? null : Hashes.hostHash(host))
                    .set("ip", ips.apply(ip))
                    .set("iphash", ips.iphash(ip))
                    .set("browser", userAgent).set("bhash", userAgent == null ? null : Hashes.browserHash(userAgent));
            if (t == Tables.AGREEMENTS) {
                agreement = b.build();
            } else {
                history = b.build();
            }
        }
        return List.of(agreement, history);
    }
}
