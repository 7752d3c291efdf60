package io.tracker.core.enrich;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * IANA time zone → ISO 3166 country, from the machine's tzdata: {@code zone1970.tab} (a zone may list several
 * countries; the first is taken) and, when it lies beside it, {@code zone.tab} (one country per zone, including the
 * zones zone1970.tab folds into another, such as {@code Europe/Oslo}), which wins; the link names of
 * {@code tzdata.zi} beside them (browsers still report {@code Asia/Calcutta}, {@code Europe/Kiev}) take their
 * target's country. {@code UTC}, {@code Etc/*} and unknown zones have no country.
 */
public final class TimeZones {
    private final Map<String, String> countries;

    TimeZones(Map<String, String> countries) {
        this.countries = Map.copyOf(countries);
    }

    /** The table at {@code zone1970}, empty when that file does not exist. */
    public static Optional<TimeZones> load(String zone1970) throws IOException {
        Path p = Path.of(zone1970);
        if (!Files.isRegularFile(p)) {
            return Optional.empty();
        }
        Map<String, String> m = new HashMap<>();
        read(p, m);
        Path zoneTab = p.resolveSibling("zone.tab");
        if (!p.getFileName().toString().equals("zone.tab") && Files.isRegularFile(zoneTab)) {
            read(zoneTab, m);
        }
        Path links = p.resolveSibling("tzdata.zi"); // its "L target alias" lines: Asia/Calcutta is Asia/Kolkata
        if (Files.isRegularFile(links)) {
            for (String line : Files.readAllLines(links, StandardCharsets.UTF_8)) {
                if (line.startsWith("L ")) {
                    String[] f = line.split(" ");
                    String country = f.length == 3 ? m.get(f[1].toLowerCase(Locale.ROOT)) : null;
                    if (country != null) {
                        m.putIfAbsent(f[2].toLowerCase(Locale.ROOT), country);
                    }
                }
            }
        }
        return Optional.of(new TimeZones(m));
    }

    private static void read(Path file, Map<String, String> into) throws IOException {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] cols = line.split("\t");
            if (cols.length < 3) {
                continue;
            }
            String code = cols[0];
            int comma = code.indexOf(',');
            String first = comma < 0 ? code : code.substring(0, comma);
            if (first.length() == 2) {
                into.put(cols[2].toLowerCase(Locale.ROOT), first.toUpperCase(Locale.ROOT));
            }
        }
    }

    /** The country of {@code zone} (any case), or null. */
    public String country(String zone) {
        return zone == null ? null : countries.get(zone.strip().toLowerCase(Locale.ROOT));
    }

    public int size() {
        return countries.size();
    }
}
