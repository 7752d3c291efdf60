package io.tracker.core.config;

/** @param dataDir where embedded databases and local spools live; relative paths resolve against the working directory */
public record StorageConfig(String dataDir) {

    public static StorageConfig standard() {
        return new StorageConfig("data");
    }

    void validate(Validation v) {
        v.notBlank("storage.dataDir", dataDir);
    }
}
