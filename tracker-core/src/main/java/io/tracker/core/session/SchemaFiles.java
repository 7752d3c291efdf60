package io.tracker.core.session;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The DDL files under {@code schema/}, shipped on the class path: reading them and splitting them into statements. */
public final class SchemaFiles {
    private SchemaFiles() {
    }

    /** The text of a class-path resource, or null when it is absent. */
    public static String read(String resource) throws IOException {
        try (InputStream in = SchemaFiles.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Splits a schema file into statements; schema files keep semicolons and {@code --} out of literals. */
    public static List<String> statements(String sql) {
        StringBuilder noComments = new StringBuilder();
        for (String line : sql.split("\n")) {
            int dash = line.indexOf("--");
            noComments.append(dash >= 0 ? line.substring(0, dash) : line).append('\n');
        }
        List<String> out = new ArrayList<>();
        for (String part : noComments.toString().split(";")) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        return out;
    }
}
