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

    /** The rows of one LTV request. */
    public record Rows(List<Row> payments, List<Row> ltv, BigDecimal revenue, String currency) {
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
        for (JsonNode item : items) {
            RowBuilder row = new RowBuilder(Tables.PAYMENTS);
            UUID id = Payload.uuid(item, "id"); // a client line-item id makes a retried request idempotent
            row.eid(id != null ? id : ids.next());
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
            }
            for (String f : TIMES) {
                row.set(f, Payload.time(item, f));
            }
            row.set("created_at", now).set("updated_at", now);
            payments.add(row.build());
        }
        List<Row> ltv = new ArrayList<>();
        if (revenue.signum() != 0) { // refunds (negative revenue) lower the total too
            Row first = payments.get(0);
            for (String type : ID_TYPES) {
                Object id = first.get(type);
                if (id != null) {
                    ltv.add(new RowBuilder(Tables.LTV).eid(ids.next()).set("hhash", hhash).set("id", id)
                            .set("id_type", type).set("paid", revenue).set("oid", first.get("oid"))
                            .set("org", first.get("org")).set("updater", first.get("updater"))
                            .set("owner", first.get("owner")).set("created_at", now).set("updated_at", now).build());
                }
            }
        }
        return new Rows(payments, ltv, revenue, currency);
    }
}
