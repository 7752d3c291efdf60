package io.tracker.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tracker.core.pipeline.steps.PathPairsStep;
import io.tracker.core.pipeline.steps.UrlStep;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

/** Properties of the request parsers: they round-trip what a client encodes and never fail other than with a 400. */
class ParserPropertiesTest {

    @Provide
    Arbitrary<Map<String, String>> pairs() {
        Arbitrary<String> keys = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(8)
                .filter(k -> !k.contains("hash"));
        Arbitrary<String> values = Arbitraries.strings().all().ofMaxLength(20)
                .filter(s -> s.codePoints().noneMatch(cp -> Character.getType(cp) == Character.SURROGATE));
        return Arbitraries.maps(keys, values).ofMaxSize(6);
    }

    @Property
    void queryRoundTripsEncodedPairs(@ForAll("pairs") Map<String, String> pairs) throws Exception {
        StringBuilder q = new StringBuilder();
        for (Map.Entry<String, String> e : pairs.entrySet()) {
            if (q.length() > 0) {
                q.append('&');
            }
            q.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
        }
        assertEquals(pairs, UrlCodec.parseQuery(q.toString()));
    }

    @Property
    void pathPairsRoundTripEncodedPairs(@ForAll("pairs") Map<String, String> pairs) throws Exception {
        StringBuilder p = new StringBuilder();
        Map<String, Object> expected = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : pairs.entrySet()) {
            if (e.getValue().isEmpty()) {
                continue; // an empty segment reads as a separator in a path
            }
            p.append(enc(e.getKey())).append('/').append(enc(e.getValue())).append('/');
            expected.put(e.getKey(), e.getValue());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        PathPairsStep.parse(p.toString(), false, out);
        assertEquals(expected, out);
    }

    @Property
    void parsersOnlyEverFailWithBadRequest(@ForAll @StringLength(max = 60) String raw) {
        try {
            UrlCodec.parseQuery(raw);
            PathPairsStep.parse(raw, true, new LinkedHashMap<>());
        } catch (BadRequestException expected) {
            // a clear 400 is the only allowed failure
        }
    }

    @Property
    void urlNormalisationIsIdempotent(@ForAll @StringLength(max = 60) String url) {
        String once = UrlStep.normalise(url);
        assertEquals(once, UrlStep.normalise(once));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
