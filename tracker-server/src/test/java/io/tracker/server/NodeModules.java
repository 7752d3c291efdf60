package io.tracker.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Real JavaScript clients for compatibility tests: npm packages installed once per build under target/. */
final class NodeModules {
    private NodeModules() {
    }

    /** Installs {@code packages} (name@version) into {@code target/node-clients} and returns its node_modules. */
    static synchronized Path install(String... packages) throws Exception {
        Path dir = Path.of("target", "node-clients").toAbsolutePath();
        Files.createDirectories(dir);
        Path modules = dir.resolve("node_modules");
        boolean all = true;
        for (String p : packages) {
            all &= Files.isDirectory(modules.resolve(p.substring(0, p.lastIndexOf('@'))));
        }
        if (!all) {
            List<String> cmd = new ArrayList<>(List.of("npm", "install", "--no-save", "--no-audit", "--no-fund",
                    "--prefix", dir.toString()));
            cmd.addAll(List.of(packages));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(180, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("npm install " + String.join(" ", packages) + " failed:\n" + out);
            }
        }
        return modules;
    }

    /**
     * Runs {@code node script args} with {@code modules} as NODE_PATH (plus {@code env}); it must exit 0 within
     * 120 s. Returns its last line that is a JSON object.
     */
    static com.fasterxml.jackson.databind.JsonNode runForJson(Path script, Path modules, java.util.Map<String, String> env,
                                                             String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("node", script.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("NODE_PATH", modules.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError("node " + script.getFileName() + " failed:\n" + out);
        }
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.lines().filter(l -> l.startsWith("{"))
                .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no JSON line from " + script + ":\n" + out)));
    }
}
