package io.tracker.core.config;

/**
 * @param dataDir    where embedded databases and local spools live; relative paths resolve against the working directory
 * @param apiSession the session that serves reads (short links, consent, LTV totals, data-subject export); empty =
 *                   the first configured session that can read
 */
public record StorageConfig(String dataDir, String apiSession) {

    public StorageConfig {
        apiSession = apiSession == null ? "" : apiSession;
    }

    public static StorageConfig standard() {
        return new StorageConfig("data", "");
    }

    void validate(Validation v) {
        v.notBlank("storage.dataDir", dataDir);
    }
}
