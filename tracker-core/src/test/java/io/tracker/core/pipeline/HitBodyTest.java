package io.tracker.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HitBodyTest {
    private final ObjectMapper mapper = new ObjectMapper();

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void emptyBodyIsOneEventWithoutBody() throws Exception {
        assertEquals(1, HitBody.parse(mapper, new byte[0], 10).size());
        assertNull(HitBody.parse(mapper, b("  \n"), 10).get(0));
    }

    @Test
    void objectIsOneEventArrayIsOneEach() throws Exception {
        assertEquals(1, HitBody.parse(mapper, b("{\"a\":1}"), 10).size());
        assertEquals(3, HitBody.parse(mapper, b("[{},{},{}]"), 10).size());
    }

    @Test
    void rejectsScalarsInvalidJsonNonObjectElementsAndBadUtf8() {
        assertEquals("not_an_object", assertThrows(BadRequestException.class, () -> HitBody.parse(mapper, b("42"), 10)).reason());
        assertEquals("invalid_json", assertThrows(BadRequestException.class, () -> HitBody.parse(mapper, b("{bad"), 10)).reason());
        assertEquals("not_an_object", assertThrows(BadRequestException.class, () -> HitBody.parse(mapper, b("[{},1]"), 10)).reason());
        assertEquals("bad_utf8", assertThrows(BadRequestException.class,
                () -> HitBody.parse(mapper, new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}, 10)).reason());
    }

    @Test
    void rejectsBatchesAboveTheLimit() {
        assertEquals("too_many_events", assertThrows(BadRequestException.class,
                () -> HitBody.parse(mapper, b("[{},{},{}]"), 2)).reason());
    }
}
