package io.tracker.core.pipeline.steps;

import io.tracker.core.enrich.GeoIp;
import io.tracker.core.pipeline.EventContext;
import io.tracker.core.pipeline.Step;
import io.tracker.core.pipeline.StepResult;
import java.util.Map;

/**
 * Spec §4.5/§8: fills {@code country}, {@code region}, {@code city}, {@code lat}/{@code lon} and {@code zip} from the
 * client IP when the client did not send them (what a client sends wins). Runs on the raw IP, before the
 * anonymized form is all that remains.
 */
public final class GeoIpStep implements Step {
    private final GeoIp geoip;

    public GeoIpStep(GeoIp geoip) {
        this.geoip = geoip;
    }

    @Override
    public String name() {
        return "geoip";
    }

    @Override
    public StepResult apply(EventContext event) {
        String ip = event.request().ip();
        Map<String, Object> v = event.values();
        if (ip == null || ip.isEmpty() || (v.containsKey("country") && v.containsKey("region") && v.containsKey("city")
                && v.containsKey("lat") && v.containsKey("zip"))) {
            return StepResult.CONTINUE;
        }
        GeoIp.Lookup r = geoip.lookup(ip);
        if (r.status() != GeoIp.Lookup.Status.OK) {
            return StepResult.CONTINUE;
        }
        GeoIp.Location l = r.location();
        putIfAbsent(v, "country", l.iso2());
        putIfAbsent(v, "region", l.region() == null ? null : l.region().toLowerCase(java.util.Locale.ROOT));
        putIfAbsent(v, "city", l.city());
        putIfAbsent(v, "zip", l.zip());
        if (l.lat() != null && !v.containsKey("lat") && !v.containsKey("lon")) {
            v.put("lat", l.lat());
            v.put("lon", l.lon());
        }
        return StepResult.CONTINUE;
    }

    private static void putIfAbsent(Map<String, Object> v, String key, Object value) {
        if (value != null) {
            v.putIfAbsent(key, value);
        }
    }
}
