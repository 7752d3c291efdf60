package io.tracker.core.pipeline.steps;

import io.tracker.core.enrich.TimeZones;
import io.tracker.core.pipeline.EventContext;
import io.tracker.core.pipeline.Step;
import io.tracker.core.pipeline.StepResult;

/** {@code country} from the client's {@code tz} (an IANA zone) when neither the client nor GeoIP gave one. */
public final class TzCountryStep implements Step {
    private final TimeZones zones;

    public TzCountryStep(TimeZones zones) {
        this.zones = zones;
    }

    @Override
    public String name() {
        return "tz-country";
    }

    @Override
    public StepResult apply(EventContext event) {
        var v = event.values();
        Object country = v.get("country");
        if (country instanceof String s && !s.isBlank()) {
            return StepResult.CONTINUE;
        }
        if (v.get("tz") instanceof String tz) {
            String c = zones.country(tz);
            if (c != null) {
                v.put("country", c);
            }
        }
        return StepResult.CONTINUE;
    }
}
