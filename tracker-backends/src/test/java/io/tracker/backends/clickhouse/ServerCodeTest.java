package io.tracker.backends.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ServerCodeTest {
    @Test
    void theServersCodeIsReadFromItsTextWhateverTheClientWrappedItIn() {
        assertEquals(286, ClickHouseSession.serverCode(new RuntimeException("Code: 286, e.displayText() = DB::Exception: "
                + "Quorum for previous write has not been satisfied yet. (transport error: 500)")));
        assertEquals(289, ClickHouseSession.serverCode(new com.clickhouse.client.api.ServerException(500,
                "Code: 289, e.displayText() = DB::Exception: Replica doesn't have part", 500, "q")));
        assertEquals(-1, ClickHouseSession.serverCode(new java.io.IOException("connection reset")));
        assertEquals(-1, ClickHouseSession.serverCode(new RuntimeException((String) null)));
    }
}
