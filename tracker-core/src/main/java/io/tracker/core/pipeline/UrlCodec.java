package io.tracker.core.pipeline;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Strict percent-decoding: malformed escapes and bytes that are not UTF-8 are a 400, never U+FFFD. */
public final class UrlCodec {
    private UrlCodec() {
    }

    /** Decodes {@code s}; {@code +} becomes a space when {@code form} (query strings). */
    public static String decode(String s, boolean form) throws BadRequestException {
        int first = firstSpecial(s, form);
        if (first < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        byte[] raw = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < raw.length; i++) {
            byte b = raw[i];
            if (b == '%') {
                if (i + 2 >= raw.length) {
                    throw new BadRequestException("bad_encoding", "truncated percent-escape in URL");
                }
                int hi = Character.digit(raw[i + 1], 16);
                int lo = Character.digit(raw[i + 2], 16);
                if (hi < 0 || lo < 0) {
                    throw new BadRequestException("bad_encoding", "malformed percent-escape in URL");
                }
                out.write((hi << 4) | lo);
                i += 2;
            } else if (b == '+' && form) {
                out.write(' ');
            } else {
                out.write(b);
            }
        }
        return strictUtf8(out.toByteArray(), "URL");
    }

    /** Parses a query string; the first value of a repeated key wins (spec §3 step 6). */
    public static Map<String, String> parseQuery(String rawQuery) throws BadRequestException {
        Map<String, String> out = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return out;
        }
        int start = 0;
        int len = rawQuery.length();
        while (start <= len) {
            int amp = rawQuery.indexOf('&', start);
            int end = amp < 0 ? len : amp;
            if (end > start) {
                int eq = rawQuery.indexOf('=', start);
                String k;
                String v;
                if (eq < 0 || eq > end) {
                    k = decode(rawQuery.substring(start, end), true);
                    v = "";
                } else {
                    k = decode(rawQuery.substring(start, eq), true);
                    v = decode(rawQuery.substring(eq + 1, end), true);
                }
                if (!k.isEmpty()) {
                    out.putIfAbsent(k, v);
                }
            }
            if (amp < 0) {
                break;
            }
            start = amp + 1;
        }
        return out;
    }

    /** Decodes UTF-8, rejecting malformed input with a 400 that names {@code what}. */
    public static String strictUtf8(byte[] bytes, String what) throws BadRequestException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new BadRequestException("bad_utf8", what + " is not valid UTF-8");
        }
    }

    private static int firstSpecial(String s, boolean form) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' || (form && c == '+')) {
                return i;
            }
        }
        return -1;
    }
}
