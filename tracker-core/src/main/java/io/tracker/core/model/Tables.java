package io.tracker.core.model;

import static io.tracker.core.model.ColumnType.BOOLEAN;
import static io.tracker.core.model.ColumnType.DECIMAL;
import static io.tracker.core.model.ColumnType.FLOAT64;
import static io.tracker.core.model.ColumnType.INT32;
import static io.tracker.core.model.ColumnType.INT64;
import static io.tracker.core.model.ColumnType.JSON;
import static io.tracker.core.model.ColumnType.STRING;
import static io.tracker.core.model.ColumnType.TIMESTAMP;
import static io.tracker.core.model.ColumnType.UUID;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The tables the tracker writes. Column lists follow spec §9.2. */
public final class Tables {
    private Tables() {
    }

    /** {@code events}: one row per tracked hit (spec §9.2, full column set). */
    public static final Table EVENTS = new Table("events", List.of(
            Column.of("eid", UUID),
            Column.of("oid", UUID),
            Column.of("org", STRING),
            Column.of("vid", UUID),
            Column.of("device_id", UUID),
            Column.of("sid", UUID),
            Column.of("hhash", STRING),
            Column.of("app", STRING),
            Column.of("rel", STRING),
            Column.of("cflags", INT64),
            Column.of("created_at", TIMESTAMP),
            Column.of("uid", UUID),
            Column.of("tid", UUID),
            Column.of("last", STRING),
            Column.of("url", STRING),
            Column.of("ip", STRING),
            Column.of("iphash", STRING),
            Column.of("lat", FLOAT64),
            Column.of("lon", FLOAT64),
            Column.of("ptyp", STRING),
            Column.of("bhash", STRING),
            Column.of("auth_id", UUID),
            Column.of("duration", INT64),
            Column.of("xid", STRING),
            Column.of("split", STRING),
            Column.of("ename", STRING),
            Column.of("source", STRING),
            Column.of("medium", STRING),
            Column.of("campaign", STRING),
            Column.of("content", STRING),
            Column.of("country", STRING),
            Column.of("region", STRING),
            Column.of("city", STRING),
            Column.of("zip", STRING),
            Column.of("term", STRING),
            Column.of("etyp", STRING),
            Column.of("ver", INT32),
            Column.of("sink", STRING),
            Column.of("score", FLOAT64),
            Column.of("params", JSON),
            Column.of("invoice_id", UUID),
            Column.of("targets", JSON),
            Column.of("relation", STRING),
            Column.of("rid", UUID),
            Column.of("ja4h", STRING),
            Column.of("gaid", STRING),
            Column.of("idfa", STRING),
            Column.of("msid", STRING),
            Column.of("fbid", STRING),
            Column.of("culture", STRING),
            Column.of("ref", UUID),
            Column.of("rcode", STRING),
            Column.of("aff", STRING),
            Column.of("arm_id", STRING),
            Column.of("mcid", STRING),
            Column.of("browser", STRING),
            Column.of("device", STRING),
            Column.of("os", STRING),
            Column.of("tz", STRING),
            Column.of("vp_w", INT64),
            Column.of("vp_h", INT64),
            // Enrichment (appended: positions of older columns never move; RowCodec decodes older records with these null)
            Column.of("browser_version", STRING),
            Column.of("os_version", STRING),
            Column.of("is_bot", BOOLEAN),
            Column.of("bot_reason", STRING),
            Column.of("channel", STRING),
            Column.of("referrer_host", STRING),
            // Side-table sources (issue 18): the request's host (hhash hashes it; the hosts view/MV maps one to the
            // other) and whether this event's vid was made for it (the vids_created counter)
            Column.of("host", STRING),
            Column.of("vid_new", BOOLEAN)), Table.ReplayWindow.BATCH_TIME_RANGE, 61);

    /**
     * {@code payments}: one row per LTV line item (spec §6). {@code eid} is the line item's id (the spec's
     * {@code id}); money columns are exact decimals.
     */
    public static final Table PAYMENTS = new Table("payments", List.of(
            Column.of("eid", UUID), Column.of("hhash", STRING), Column.of("oid", UUID), Column.of("org", STRING),
            Column.of("uid", UUID), Column.of("vid", UUID), Column.of("sid", UUID), Column.of("tid", UUID),
            Column.of("invid", UUID), Column.of("orid", UUID), Column.of("product_id", UUID),
            Column.of("product", STRING), Column.of("pcat", STRING), Column.of("man", STRING),
            Column.of("model", STRING), Column.of("duration", STRING), Column.of("currency", STRING),
            Column.of("country", STRING), Column.of("rcode", STRING), Column.of("region", STRING),
            Column.of("campaign_id", STRING), Column.of("qty", FLOAT64), Column.of("price", DECIMAL),
            Column.of("discount", DECIMAL), Column.of("revenue", DECIMAL), Column.of("margin", DECIMAL),
            Column.of("cost", DECIMAL), Column.of("tax", DECIMAL), Column.of("tax_rate", FLOAT64),
            Column.of("commission", DECIMAL), Column.of("referral", DECIMAL), Column.of("fees", DECIMAL),
            Column.of("subtotal", DECIMAL), Column.of("total", DECIMAL), Column.of("payment", DECIMAL),
            Column.of("starts", TIMESTAMP), Column.of("ends", TIMESTAMP), Column.of("invoiced_at", TIMESTAMP),
            Column.of("paid_at", TIMESTAMP), Column.of("owner", UUID), Column.of("updater", UUID),
            Column.of("created_at", TIMESTAMP), Column.of("updated_at", TIMESTAMP)), Table.ReplayWindow.WHOLE_TABLE);

    /**
     * {@code ltv}: append-only increments of lifetime value per id ({@code id_type} uid / vid / invid). The
     * total is the sum of {@code paid} (a SummingMergeTree in ClickHouse, a SUM on read elsewhere): no
     * read-modify-write, so concurrent payments never race.
     */
    public static final Table LTV = new Table("ltv", List.of(
            Column.of("eid", UUID), Column.of("hhash", STRING), Column.of("id", UUID), Column.of("id_type", STRING),
            Column.of("paid", DECIMAL), Column.of("oid", UUID), Column.of("org", STRING),
            Column.of("updater", UUID), Column.of("owner", UUID), Column.of("created_at", TIMESTAMP),
            Column.of("updated_at", TIMESTAMP)), Table.ReplayWindow.WHOLE_TABLE);

    /**
     * {@code redirects}: short links, one row per change; the newest row per {@code urlfrom} is the link
     * ({@code urlto} empty = deleted). {@code hostfrom} scopes listings.
     */
    public static final Table REDIRECTS = new Table("redirects", List.of(
            Column.of("eid", UUID), Column.of("hhash", STRING), Column.of("urlfrom", STRING),
            Column.of("hostfrom", STRING), Column.of("urlto", STRING), Column.of("oid", UUID),
            Column.of("org", STRING), Column.of("updater", STRING), Column.of("created_at", TIMESTAMP),
            Column.of("updated_at", TIMESTAMP)));

    /** {@code redirect_history}: every create/update/delete of a short link, with who did it. */
    public static final Table REDIRECT_HISTORY = new Table("redirect_history", List.of(
            Column.of("eid", UUID), Column.of("action", STRING), Column.of("urlfrom", STRING),
            Column.of("hostfrom", STRING), Column.of("slugfrom", STRING), Column.of("urlto", STRING),
            Column.of("hostto", STRING), Column.of("pathto", STRING), Column.of("searchto", STRING),
            Column.of("oid", UUID), Column.of("org", STRING), Column.of("updater", STRING),
            Column.of("created_at", TIMESTAMP), Column.of("updated_at", TIMESTAMP)));

    /** {@code agreements} (latest consent per visitor, read newest first) and {@code agreed} (the full history). */
    public static final Table AGREEMENTS = new Table("agreements", consentColumns());
    public static final Table AGREED = new Table("agreed", consentColumns());

    private static List<Column> consentColumns() {
        List<Column> c = new ArrayList<>();
        c.add(Column.of("eid", UUID));
        c.add(Column.of("vid", UUID));
        c.add(Column.of("created_at", TIMESTAMP));
        c.add(Column.of("updated_at", TIMESTAMP));
        c.add(Column.of("cflags", INT64));
        for (String u : List.of("sid", "uid", "avid")) {
            c.add(Column.of(u, UUID));
        }
        for (String s : List.of("hhash", "app", "rel", "url", "ip", "iphash", "gaid", "idfa", "msid", "fbid",
                "country", "region", "culture", "source", "medium", "campaign", "term")) {
            c.add(Column.of(s, STRING));
        }
        c.add(Column.of("ref", UUID));
        for (String s : List.of("rcode", "aff", "browser", "bhash", "device", "os", "tz")) {
            c.add(Column.of(s, STRING));
        }
        c.add(Column.of("vp_w", INT64));
        c.add(Column.of("vp_h", INT64));
        c.add(Column.of("lat", FLOAT64));
        c.add(Column.of("lon", FLOAT64));
        c.add(Column.of("zip", STRING));
        c.add(Column.of("owner", UUID));
        c.add(Column.of("oid", UUID));
        c.add(Column.of("org", STRING));
        return c;
    }

    /**
     * {@code counts}: one row per {@code count} message consumed from NATS (spec §17 "counters"; named apart from the
     * {@code counters} rollup over events): {@code id} (the message's id, else its subject) and {@code total}, summed
     * on read.
     */
    public static final Table COUNTS = new Table("counts", List.of(
            Column.of("eid", UUID), Column.of("id", STRING), Column.of("total", INT64), Column.of("created_at", TIMESTAMP)));

    /** {@code updates}: {@code update} messages consumed from NATS (spec §17): the newest {@code msg} per {@code id}. */
    public static final Table UPDATES = new Table("updates", List.of(
            Column.of("eid", UUID), Column.of("id", STRING), Column.of("msg", STRING), Column.of("created_at", TIMESTAMP),
            Column.of("updated_at", TIMESTAMP)));

    /** {@code logs}: {@code log} messages consumed from NATS (spec §17). {@code ltime} is the sender's time in ns. */
    public static final Table LOGS = new Table("logs", List.of(
            Column.of("eid", UUID), Column.of("created_at", TIMESTAMP), Column.of("ltime", INT64),
            Column.of("topic", STRING), Column.of("name", STRING), Column.of("host", STRING),
            Column.of("hostname", STRING), Column.of("owner", UUID), Column.of("oid", UUID), Column.of("org", STRING),
            Column.of("ip", STRING), Column.of("iphash", STRING), Column.of("level", INT32), Column.of("msg", STRING),
            Column.of("params", JSON)));

    /**
     * {@code erasures}: one row per data-subject erasure (who: {@code subject}, a vid or uid as {@code id_type} says;
     * when: {@code created_at}). Written to every session, so a write-only one (a NATS stream) carries the request to
     * its consumers, which can erase downstream; the databases keep it as the record that the request was carried out.
     * The column is not called vid/uid, so an erasure never erases its own record.
     */
    public static final Table ERASURES = new Table("erasures", List.of(
            Column.of("eid", UUID), Column.of("subject", UUID), Column.of("id_type", STRING),
            Column.of("created_at", TIMESTAMP)));

    /**
     * {@code alerts}: one row per alert of the spike / error-rate detector ({@code kind} {@code spike} or
     * {@code error_rate}; {@code ename} {@code *} for the error rate of all events), for the window starting at
     * {@code window_start}: what was {@code observed}, the {@code baseline} it was judged against and the
     * {@code threshold} it crossed; {@code node} is the tracker that saw it (detection is per node).
     */
    public static final Table ALERTS = new Table("alerts", List.of(
            Column.of("eid", UUID), Column.of("kind", STRING), Column.of("ename", STRING),
            Column.of("window_start", TIMESTAMP), Column.of("window_seconds", INT64), Column.of("observed", INT64),
            Column.of("baseline", FLOAT64), Column.of("threshold", FLOAT64), Column.of("node", STRING),
            Column.of("created_at", TIMESTAMP)));

    /**
     * {@code api_keys}: the tenants' API keys, append-only. A key is stored as the SHA-256 of its secret
     * ({@code key_sha256}; the secret itself is shown once and never kept), with its public {@code id}, its tenant
     * {@code oid}, its {@code scopes} (comma-separated) and {@code name}. Revoking appends a row of the same key with
     * {@code revoked} true: a key is valid while none of its rows says revoked.
     */
    public static final Table API_KEYS = new Table("api_keys", List.of(
            Column.of("eid", UUID), Column.of("id", STRING), Column.of("key_sha256", STRING), Column.of("oid", UUID),
            Column.of("scopes", STRING), Column.of("name", STRING), Column.of("revoked", BOOLEAN),
            Column.of("created_at", TIMESTAMP)));

    /**
     * {@code mthreads}: campaign / messaging thread metadata (Go tracker {@code messaging.1.sql}, spec §4.7), one row per
     * event whose {@code tid} is a UUID; the newest row per {@code tid} is the thread's state. {@code subject} and
     * {@code msg} are ours (the Go test scripts query them here).
     */
    public static final Table MTHREADS = new Table("mthreads", columns(
            "tid:U alias xid xstatus name ddata:J post mtempl:J mcert_id:U cats:SS mtypes:SS fmtypes:SS cmtypes:SS "
                    + "urgency:I sys:B ephemeral:I archived:B admins:US opens:B openp:B perms_ids:US app rel ver:I ptyp "
                    + "etyp ename auth_name cohorts:SS splits:J source svc medium campaign term promo ref:U aff provider "
                    + "provider_campaign_id provider_account_id provider_metrics:J provider_cost:F provider_status "
                    + "broadcast:B derive:B sent:US outs:US subs:US pubs:US prefs:J ftrack:B strack:B interest:J perf:J "
                    + "planned_impressions:L actual_impressions:L impression_goal:L impression_budget:F "
                    + "cost_per_impression:F vid_targets:US funnel_stage total_conversions:L conversion_value:F "
                    + "variants:J variant_weights:J winner_variant audience_params:J audience_metrics:J "
                    + "audience_segments:SS content_keywords:SS content_assumptions:J content_metrics:J content_intention "
                    + "abz_enabled:B abz_algorithm abz_reward_metric abz_reward_value:F abz_exploration_rate:F "
                    + "abz_learning_rate:F abz_start_time:T abz_sample_size:L abz_min_sample_size:L "
                    + "abz_confidence_level:F abz_winner_threshold:F abz_auto_optimize:B abz_auto_stop:B abz_status "
                    + "abz_params:J abz_infinite_armed:B abz_param_space:J abz_model_type abz_model_params:J "
                    + "abz_acquisition_function campaign_id campaign_phase campaign_priority:I "
                    + "campaign_budget_allocation:F campaign_status attribution_model attribution_weight:F "
                    + "attribution_window:I attribution_params:J requires_consent:B consent_types:SS "
                    + "regional_compliance:J frequency_caps:J data_retention:I content_version:I content_status "
                    + "content_approver:U content_approval_date:T content_history:US content_creator:U "
                    + "content_editors:US creator_id:U content_id:U creator_compensation:B creator_compensation_rate:F "
                    + "creator_compensation_model creator_compensation_cap:F creator_notes parent_tid:U deleted:T "
                    + "created_at:T oid:U org owner:U uid:U vid:U updatedms:L updated_at:T updater:U text_normalized "
                    + "text_tokens:SS subject msg"));

    /** The columns {@code mstore} and {@code mtriage} share (Go {@code messaging.1.sql} and {@code messaging_helpers.go}). */
    private static final String MESSAGE = "tid:U mid:U pmid:U subject msg data urgency:I sys:B broadcast:B mtempl "
            + "repl:J svc qid:U rid:U relation meta:J %s scheduled:T scheduled_local_hour:I scheduled_local_dow:I "
            + "recipient_timezone utc_offset_minutes:I started:T completed:T mtypes:SS users:US deliveries:US "
            + "failures:US xid split perms_ids:US deleted:T keep:B createdms:L created_at:T oid:U org owner:U uid:U "
            + "vid:U updated_at:T updater:U %s conversion_event_count:L category encoding priority:I archived:B "
            + "imp_count:L click_count:L open_count:L conversion_revenue:F paused_at:T cancelled_at:T updatedms:L "
            + "delivered_at:T opened_at:T clicked_at:T converted_at:T declined:T status delivered:B failed:B "
            + "bounced:B complained:B unsubscribed:B hidden:B";

    /**
     * {@code mstore}: the permanent message archive, one row per event with a UUID {@code tid}. {@code mid} is the
     * client's when it is a UUID, else the event id, so a retried event never makes a second message (the Go tracker
     * made a new one per write, and wrote two rows per event). The columns after {@code conversion_event_count} are
     * those the Go tracker parsed but its schema lacked (its own test scripts query them).
     */
    public static final Table MSTORE = new Table("mstore", columns(String.format(MESSAGE, "planned:T",
            "interest:J perf:J hide:T funnel_stage text_normalized text_tokens:SS")));

    /** {@code mtriage}: messages in triage (default {@code urgency} 8, {@code keep} true), as {@code mstore}. */
    public static final Table MTRIAGE = new Table("mtriage", columns(String.format(MESSAGE, "", "")));

    /**
     * {@code impression_daily}: one row per conversion or scored event of a thread (an event with a UUID {@code tid}
     * and {@code oid}, {@code ename} {@code conversion} or a {@code score}); {@code day} is the event's UTC day.
     * Totals are sums (the Go tracker's ReplacingMergeTree kept one row per day and variant, so every count read 1);
     * {@code unique_visitors} is 1 per row, as in the Go tracker: count distinct {@code vid} for the real figure.
     */
    public static final Table IMPRESSION_DAILY = new Table("impression_daily", columns(
            "oid:U org tid:U campaign_id day:T variant_id total_impressions:L anonymous_impressions:L "
                    + "identified_impressions:L unique_visitors:L conversions:L vid:U uid:U created_at:T updated_at:T"));

    /** The tables written for campaign / messaging telemetry. */
    public static final List<Table> MESSAGING = List.of(MTHREADS, MSTORE, MTRIAGE, IMPRESSION_DAILY);

    /**
     * {@code eid} then the columns of {@code spec}: names separated by spaces, each with an optional type suffix
     * ({@code :U} UUID, {@code :J} JSON, {@code :I} INT32, {@code :L} INT64, {@code :F} FLOAT64, {@code :B} BOOLEAN,
     * {@code :T} TIMESTAMP, {@code :SS} STRINGS, {@code :US} UUIDS; none: STRING).
     */
    private static List<Column> columns(String spec) {
        List<Column> out = new ArrayList<>();
        out.add(Column.of("eid", UUID));
        for (String item : spec.trim().split("\\s+")) {
            int colon = item.indexOf(':');
            String name = colon < 0 ? item : item.substring(0, colon);
            ColumnType type = colon < 0 ? STRING : switch (item.substring(colon + 1)) {
                case "U" -> UUID;
                case "J" -> JSON;
                case "I" -> INT32;
                case "L" -> INT64;
                case "F" -> FLOAT64;
                case "B" -> BOOLEAN;
                case "T" -> TIMESTAMP;
                case "SS" -> ColumnType.STRINGS;
                case "US" -> ColumnType.UUIDS;
                default -> throw new IllegalArgumentException("column " + item);
            };
            out.add(Column.of(name, type));
        }
        return out;
    }

    public static final List<Table> ALL = List.of(EVENTS, PAYMENTS, LTV, REDIRECTS, REDIRECT_HISTORY, AGREEMENTS, AGREED,
            COUNTS, UPDATES, LOGS, ERASURES, ALERTS, API_KEYS, MTHREADS, MSTORE, MTRIAGE, IMPRESSION_DAILY);

    private static final Map<String, Table> BY_NAME =
            ALL.stream().collect(Collectors.toUnmodifiableMap(Table::name, Function.identity()));

    public static Optional<Table> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }
}
