package io.tracker.core.pipeline.steps;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written digest check answers as the pattern it replaced, on edge cases and on random strings. */
class PiiHashStepDigestTest {
    private static final Pattern PII_HASH = Pattern.compile("[A-Za-z0-9_+/-]{16,128}={0,2}");

    @Test
    void agreesWithThePattern() {
        String[] cases = {"", "=", "==", "a".repeat(15), "a".repeat(16), "a".repeat(16) + "=", "a".repeat(16) + "==",
            "a".repeat(16) + "===", "a".repeat(128), "a".repeat(129), "a".repeat(128) + "==", "a".repeat(15) + "==",
            "user@example.com-pad", "abcdefghijklmnop=q", "+/-_0123456789ABCDEF", "abcdefghijklmnopé", "a=bcdefghijklmnopq"};
        for (String c : cases) {
            assertEquals(PII_HASH.matcher(c).matches(), PiiHashStep.looksLikeDigest(c), c);
        }
        Random random = new Random(7);
        String alphabet = "aZ09_+/-=@. é";
        for (int i = 0; i < 200_000; i++) {
            int n = random.nextInt(140);
            StringBuilder b = new StringBuilder(n);
            for (int k = 0; k < n; k++) {
                b.append(random.nextInt(10) < 8 ? 'x' : alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String s = b.toString();
            assertEquals(PII_HASH.matcher(s).matches(), PiiHashStep.looksLikeDigest(s), s);
        }
    }
}
