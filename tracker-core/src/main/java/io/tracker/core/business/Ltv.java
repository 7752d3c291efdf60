package io.tracker.core.business;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracker.core.model.ColumnType;
import io.tracker.core.model.Row;
import io.tracker.core.model.RowBuilder;
import io.tracker.core.model.Tables;
import io.tracker.core.pipeline.BadRequestException;
import io.tracker.core.pipeline.EventIds;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Lifetime value (spec §6, quirks fixed): a request is one payment or a {@code payments[]} batch of line items.
 * Each line item becomes a {@code payments} row; the sum of their revenue becomes one {@code ltv} increment per
 * known id (uid, vid, invoice id). Totals are sums of increments, so concurrent payments never race.
 * Money is exact ({@link java.math.BigDecimal}, 4 decimal places); a wrong type is a 400, not a silent zero.
 */
public final class Ltv {
    static final List<String> MONEY = List.of("price", "discount", "revenue", "margin", "cost", "tax", "commission",
            "referral", "fees", "subtotal", "total", "payment");
    static final List<String> TEXT = List.of("product", "pcat", "man", "model", "duration", "country", "rcode",
            "region", "campaign_id");
    static final List<String> TIMES = List.of("starts", "ends", "invoiced_at", "paid_at");
    static final List<String> COMMON_IDS = List.of("uid", "vid", "sid", "tid", "invid", "oid", "owner", "updater");
    /** The id types an LTV total exists for. */
    public static final List<String> ID_TYPES = List.of("uid", "vid", "invid");

    private final EventIds ids;

    public Ltv(EventIds ids) {
        this.ids = ids;
    }

    /** Largest magnitude DECIMAL(18,4) holds: an amount, a line item's revenue or a request's sum beyond it is a 400. */
    public static final BigDecimal MAX_MONEY = new BigDecimal("99999999999999.9999");

    /**
     * The rows of one LTV request. {@code idempotent}: some line item carries a client {@code id}, so the rows must be
     * written replay-checked (a retry of the request finds them stored); {@code refund}: some line item lowers a
     * total, which needs a credential.
     */
    public record Rows(List<Row> payments, List<Row> ltv, BigDecimal revenue, String currency, boolean idempotent,
                       boolean refund) {
    }

    public Rows rows(ObjectNode body, String hhash, long now) throws BadRequestException {
        List<JsonNode> items = new ArrayList<>();
        JsonNode list = body.get("payments");
        if (list != null && !list.isNull()) {
            if (!list.isArray()) {
                throw new BadRequestException("bad_field", "payments: must be an array of objects");
            }
            for (JsonNode item : list) {
                if (!item.isObject()) {
                    throw new BadRequestException("bad_field", "payments: every element must be an object");
                }
                items.add(item);
            }
        }
        if (items.isEmpty()) {
            items.add(body);
        }
        if (items.size() > 1_000) {
            throw new BadRequestException("too_many_items", "at most 1000 line items per request");
        }
        String org = Payload.text(body, "org");
        BigDecimal revenue = BigDecimal.ZERO.setScale(ColumnType.DECIMAL_SCALE);
        String currency = null;
        List<Row> payments = new ArrayList<>(items.size());
        List<Row> ltv = new ArrayList<>();
        boolean idempotent = false;
        boolean refund = false;
        java.util.Set<UUID> itemIds = new java.util.HashSet<>();
        for (int n = 0; n < items.size(); n++) {
            JsonNode item = items.get(n);
            RowBuilder row = new RowBuilder(Tables.PAYMENTS);
            UUID id = Payload.uuid(item, "id"); // a client line-item id makes a retried request idempotent
            if (id != null && !itemIds.add(id)) {
                throw new BadRequestException("bad_field", "payments[" + n + "].id: the same id twice in one request");
            }
            idempotent |= id != null;
            UUID eid = id != null ? id : ids.next();
            row.eid(eid);
            for (String f : COMMON_IDS) {
                UUID v = Payload.uuid(item, f);
                row.set(f, v != null ? v : Payload.uuid(body, f));
            }
            row.set("orid", Payload.uuid(item, "orid"));
            row.set("product_id", Payload.uuid(item, "product_id"));
            String itemOrg = Payload.text(item, "org");
            row.set("org", itemOrg != null ? itemOrg : org);
            row.set("hhash", hhash);
            for (String f : TEXT) {
                row.set(f, Payload.text(item, f));
            }
            String cur = Payload.text(item, "currency");
            if (cur == null) {
                cur = Payload.text(body, "currency");
            }
            cur = cur == null ? "USD" : cur.toUpperCase(Locale.ROOT);
            if (!cur.matches("[A-Z]{3}")) {
                throw new BadRequestException("bad_field", "currency: must be an ISO 4217 code such as USD");
            }
            if (currency != null && !currency.equals(cur)) {
                throw new BadRequestException("mixed_currencies", "all line items of a request must share one currency");
            }
            currency = cur;
            row.set("currency", cur);
            row.set("qty", Payload.number(item, "qty"));
            row.set("tax_rate", Payload.number(item, "tax_rate"));
            for (String f : MONEY) {
                row.set(f, Payload.money(item, f));
            }
            BigDecimal r = Payload.money(item, "revenue");
            if (r == null) {
                r = Payload.money(item, "amt");
                row.set("revenue", r);
            }
            if (r != null) {
                revenue = revenue.add(r);
                refund |= r.signum() < 0;
                if (revenue.abs().compareTo(MAX_MONEY) > 0) {
                    throw new BadRequestException("bad_field", "payments: the revenue of the request sums beyond "
                            + MAX_MONEY.toPlainString() + " (DECIMAL(18,4))");
                }
            }
            for (String f : TIMES) {
                row.set(f, Payload.time(item, f));
            }
            row.set("created_at", now).set("updated_at", now);
            Row payment = row.build();
            payments.add(payment);
            if (r != null && r.signum() != 0) { // refunds (negative revenue) lower the totals too
                // One increment per line item and id type; with a client id its event id is derived from it, so a
                // retried request's increments are the same rows, found by the sessions' replay check.
                for (String type : ID_TYPES) {
                    Object subject = payment.get(type);
                    if (subject != null) {
                        UUID incId = id != null ? UUID.nameUUIDFromBytes(("ltv:" + id + ":" + type)
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8)) : ids.next();
                        ltv.add(new RowBuilder(Tables.LTV).eid(incId).set("hhash", hhash).set("id", subject)
                                .set("id_type", type).set("paid", r).set("oid", payment.get("oid"))
                                .set("org", payment.get("org")).set("updater", payment.get("updater"))
                                .set("owner", payment.get("owner")).set("created_at", now).set("updated_at", now)
                                .build());
                    }
                }
            }
        }
        return new Rows(payments, ltv, revenue, currency, idempotent, refund);
    }
}
