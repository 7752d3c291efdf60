package io.tracker.server;

import io.tracker.core.config.ConfigException;
import io.tracker.core.config.ConfigLoader;
import io.tracker.core.config.StorageConfig;
import io.tracker.core.config.TrackerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar tracker.jar [--config FILE] [--port N] [--data-dir DIR]}. */
@Command(name = "tracker", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Self-hosted, privacy-first event tracker.", subcommands = {Main.HashPassword.class, Main.SignUrl.class, Main.RollupsCommand.class,
                Main.ReplayCommand.class, Main.ExportCommand.class})
public final class Main implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(Main.class);

    @Option(names = "--config", paramLabel = "FILE",
            description = "JSON configuration file (default: ./config.json when present, else built-in defaults)")
    Path config;

    @Option(names = "--port", paramLabel = "N", description = "HTTP port (overrides server.port)")
    Integer port;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "where DuckDB and local spools live (overrides storage.dataDir)")
    Path dataDir;

    @Option(names = "--durability", paramLabel = "MODE",
            description = "memory, wal or sync for every table (overrides batching.*.durability)")
    String durability;

    @Option(names = "--prune", description = "delete rows older than privacy.retentionDays in every session, then exit")
    boolean prune;

    @Option(names = "--logs-only", description = "with --prune: only delete dead-letter files older than privacy.logsRetentionDays")
    boolean logsOnly;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        TrackerConfig cfg;
        try {
            cfg = loadConfig();
        } catch (ConfigException e) {
            System.err.println("tracker: " + e.getMessage());
            return 2;
        }
        if (logsOnly && !prune) {
            System.err.println("tracker: --logs-only goes with --prune");
            return 2;
        }
        if (prune) {
            try {
                Prune.Report r = Prune.run(cfg, logsOnly);
                System.out.println(r);
                return 0;
            } catch (Exception e) {
                log.atError().setCause(e).log("prune failed");
                System.err.println("tracker: prune failed: " + e.getMessage());
                return 1;
            }
        }
        Tracker tracker;
        try {
            tracker = Tracker.start(cfg);
        } catch (ConfigException e) {
            System.err.println("tracker: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            log.atError().setCause(e).log("start-up failed");
            System.err.println("tracker: start-up failed: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            tracker.stop();
            stopped.countDown();
        }, "shutdown"));
        log.atInfo().addKeyValue("port", tracker.port()).addKeyValue("dataDir", cfg.storage().dataDir())
                .log("tracker ready");
        stopped.await();
        return 0;
    }

    TrackerConfig loadConfig() {
        Path file = config;
        if (file == null && Files.isRegularFile(Path.of("config.json"))) {
            file = Path.of("config.json");
        }
        if (file != null && !Files.isRegularFile(file)) {
            throw new ConfigException("--config " + file + ": no such file");
        }
        TrackerConfig cfg = ConfigLoader.fromSystemEnvironment().load(file);
        if (port != null) {
            cfg = cfg.withServer(cfg.server().withPort(port));
        }
        if (dataDir != null) {
            cfg = cfg.withStorage(new StorageConfig(dataDir.toString(), cfg.storage().apiSession()));
        }
        if (durability != null) {
            if (!java.util.List.of(io.tracker.core.config.TableBatchConfig.DURABILITIES).contains(durability)) {
                throw new ConfigException("--durability: must be one of memory, wal, sync (got '" + durability + "')");
            }
            cfg = cfg.withBatching(cfg.batching().withDurability(durability));
        }
        // Re-validate: a CLI value is checked like any other.
        ConfigLoader check = new ConfigLoader(k -> null);
        return check.bind(check.mapper().valueToTree(cfg));
    }

    /** {@code tracker hash-password}: reads a password from standard input, prints its PBKDF2 hash for admin.accounts. */
    @Command(name = "hash-password", mixinStandardHelpOptions = true,
            description = "Read a password from standard input (never an argument: it would land in shell history) "
                    + "and print the hash for admin.accounts[].passwordHash.")
    static final class HashPassword implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            java.io.Console console = System.console();
            String password;
            if (console != null) {
                char[] p = console.readPassword("password: ");
                password = p == null ? "" : new String(p);
            } else {
                password = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                        java.nio.charset.StandardCharsets.UTF_8)).readLine();
            }
            if (password == null || password.isEmpty()) {
                System.err.println("tracker: an empty password is not accepted");
                return 2;
            }
            System.out.println(io.tracker.core.business.AdminAuth.hashPassword(password));
            return 0;
        }
    }

    /** {@code tracker sign-url URL}: a signed /tr/v1/rdr/ link to URL, under this data directory's secret. */
    @Command(name = "sign-url", mixinStandardHelpOptions = true,
            description = "Print a /tr/v1/rdr/ link that redirects to URL (signed with the data directory's secret, "
                    + "so it works whatever links.allowedHosts lists).")
    static final class SignUrl implements Callable<Integer> {
        @CommandLine.ParentCommand
        Main parent;

        @CommandLine.Parameters(paramLabel = "URL", description = "an absolute http(s) URL")
        String url;

        @Override
        public Integer call() throws Exception {
            if (!io.tracker.core.business.ShortLinks.httpTarget(url)) {
                System.err.println("tracker: URL must be an absolute http(s) URL");
                return 2;
            }
            TrackerConfig cfg = parent.loadConfig();
            io.tracker.core.privacy.Secrets secrets = io.tracker.core.privacy.Secrets.load(Path.of(cfg.storage().dataDir()));
            System.out.println(new io.tracker.core.business.LinkSigner(secrets.linkKey()).trackedLink(url));
            return 0;
        }
    }

    @Command(name = "rollups", mixinStandardHelpOptions = true,
            description = "KPI rollups (hourly_event_stats, daily_kpis, monthly_kpis): --rebuild recomputes them from "
                    + "events in every session that keeps them. DuckDB: stop the tracker first (it holds the file). "
                    + "ClickHouse: works beside a running tracker; rebuild closed months while ingesting.")
    static final class RollupsCommand implements Callable<Integer> {
        @CommandLine.ParentCommand
        Main parent;

        @Option(names = "--rebuild", required = true, description = "recompute the rollups from events")
        boolean rebuild;

        @Option(names = "--from", paramLabel = "YYYY-MM-DD", description = "first day (default: all of events); "
                + "widened to its month's first day")
        java.time.LocalDate from;

        @Option(names = "--to", paramLabel = "YYYY-MM-DD", description = "day after the last (default: the first of "
                + "this month: closed months only); widened to the end of its month")
        java.time.LocalDate to;

        @Option(names = "--current-month", description = "include this month (default --to: tomorrow); with ClickHouse "
                + "stop ingestion first, or events arriving meanwhile count twice")
        boolean currentMonth;

        @Override
        public Integer call() {
            TrackerConfig cfg;
            try {
                cfg = parent.loadConfig();
            } catch (ConfigException e) {
                System.err.println("tracker: " + e.getMessage());
                return 2;
            }
            java.time.LocalDate start = from == null ? java.time.LocalDate.of(1970, 1, 1) : from;
            java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneOffset.UTC);
            java.time.LocalDate end = to != null ? to : currentMonth ? today.plusDays(1) : today.withDayOfMonth(1);
            if (!start.isBefore(end)) {
                System.err.println("tracker: --from must be before --to");
                return 2;
            }
            try {
                for (Map.Entry<String, String> e : RollupRebuild.run(cfg, start, end).entrySet()) {
                    System.out.println(e.getKey() + ": " + e.getValue());
                }
                return 0;
            } catch (Exception e) {
                log.atError().setCause(e).log("rollup rebuild failed");
                System.err.println("tracker: rollup rebuild failed: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Re-delivers the stored events of one session into another through a batch manager, "
                    + "idempotently (an event the target holds is skipped): e.g. backfill a new ClickHouse from DuckDB. "
                    + "A DuckDB session is held by a running tracker: stop it first.")
    static final class ReplayCommand implements Callable<Integer> {
        @CommandLine.ParentCommand
        Main parent;

        @Option(names = "--from", required = true, paramLabel = "DATE|TIME", description = "first day (UTC) or instant")
        String from;

        @Option(names = "--to", required = true, paramLabel = "DATE|TIME", description = "last day (inclusive) or instant (exclusive)")
        String to;

        @Option(names = "--ename", paramLabel = "NAME", description = "only these event names (repeatable)")
        List<String> enames = new java.util.ArrayList<>();

        @Option(names = "--from-session", required = true, paramLabel = "NAME", description = "the session read (sessions[].name)")
        String fromSession;

        @Option(names = "--to-session", required = true, paramLabel = "NAME", description = "the session written")
        String toSession;

        @Override
        public Integer call() {
            try {
                TrackerConfig cfg = parent.loadConfig();
                java.time.Instant start = io.tracker.core.query.QueryParser.instant(from, false);
                java.time.Instant end = io.tracker.core.query.QueryParser.instant(to, true);
                long n = Replay.run(cfg, fromSession, toSession, start, end, enames);
                System.out.println("replayed " + n + " events from " + fromSession + " to " + toSession);
                return 0;
            } catch (ConfigException | IllegalArgumentException | io.tracker.core.pipeline.BadRequestException e) {
                System.err.println("tracker: " + e.getMessage());
                return 2;
            } catch (Exception e) {
                log.atError().setCause(e).log("replay failed");
                System.err.println("tracker: replay failed: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Writes a table's rows of a time range to a Parquet or CSV file (DuckDB: its own COPY; other "
                    + "sessions: events as CSV). A DuckDB session is held by a running tracker: stop it first, or use "
                    + "GET /api/v1/export.")
    static final class ExportCommand implements Callable<Integer> {
        @CommandLine.ParentCommand
        Main parent;

        @Option(names = "--table", defaultValue = "events", paramLabel = "TABLE", description = "default: events")
        String table;

        @Option(names = "--from", required = true, paramLabel = "DATE|TIME", description = "first day (UTC) or instant")
        String from;

        @Option(names = "--to", required = true, paramLabel = "DATE|TIME", description = "last day (inclusive) or instant (exclusive)")
        String to;

        @Option(names = "--format", defaultValue = "parquet", paramLabel = "parquet|csv")
        String format;

        @Option(names = "--out", required = true, paramLabel = "FILE")
        java.nio.file.Path out;

        @Option(names = "--session", paramLabel = "NAME", description = "default: storage.apiSession, else the first")
        String session;

        @Override
        public Integer call() {
            try {
                if (!format.equals("parquet") && !format.equals("csv")) {
                    throw new IllegalArgumentException("--format: parquet or csv");
                }
                TrackerConfig cfg = parent.loadConfig();
                java.time.Instant start = io.tracker.core.query.QueryParser.instant(from, false);
                java.time.Instant end = io.tracker.core.query.QueryParser.instant(to, true);
                long n = Export.run(cfg, session, table, start, end, format, out);
                System.out.println("exported " + n + " rows of " + table + " to " + out);
                return 0;
            } catch (ConfigException | IllegalArgumentException | io.tracker.core.pipeline.BadRequestException e) {
                System.err.println("tracker: " + e.getMessage());
                return 2;
            } catch (Exception e) {
                log.atError().setCause(e).log("export failed");
                System.err.println("tracker: export failed: " + e.getMessage());
                return 1;
            }
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"tracker " + Tracker.version()};
        }
    }
}
