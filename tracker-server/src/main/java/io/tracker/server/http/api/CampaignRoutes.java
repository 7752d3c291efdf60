package io.tracker.server.http.api;

import static io.tracker.server.http.ApiSupport.body;
import static io.tracker.server.http.ApiSupport.done;
import static io.tracker.server.http.ApiSupport.param;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tracker.core.business.ApiKeys.Scope;
import io.tracker.core.business.CampaignStats;
import io.tracker.core.business.Payload;
import io.tracker.core.privacy.UserIds;
import io.tracker.server.http.ApiError;
import io.tracker.server.http.ApiSupport;
import io.tracker.server.http.HttpCall;
import io.tracker.server.http.HttpResponses;
import io.tracker.server.http.Routes;
import io.tracker.server.http.TrackHandler;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Campaign statistics in the attribution service's shapes: {@code POST {api}/events/click} and
 * {@code POST {api}/events/conversion} record clicks and conversions as events ({@link CampaignStats#CLICK},
 * {@link CampaignStats#CONVERSION}; the campaign in {@code campaign}, the value in {@code params.revenue});
 * {@code GET {api}/campaigns/statistics?campaign_id=&group_by=daily|weekly|monthly[&from=&to=]} answers history plus
 * today (see {@link CampaignStats}).
 */
public final class CampaignRoutes {
    private static final int MAX_RANGE_DAYS = 3_660;

    private final ApiSupport api;
    private final TrackHandler track;
    private final UserIds userIds;
    private final CampaignStats stats;
    private final String base;
    private final java.time.Clock clock;
    private final ObjectMapper mapper = new ObjectMapper();

    public CampaignRoutes(ApiSupport api, TrackHandler track, UserIds userIds, CampaignStats stats, String base,
                          java.time.Clock clock) {
        this.api = api;
        this.track = track;
        this.userIds = userIds;
        this.stats = stats;
        this.base = base;
        this.clock = clock;
    }

    public Routes.Builder register(Routes.Builder table) {
        return table
                .exact(base + "/events/click").methods("POST").access(Routes.Access.API)
                .to((call, rest) -> api.async(() -> record(call, false)))
                .exact(base + "/events/conversion").methods("POST").access(Routes.Access.API)
                .to((call, rest) -> api.async(() -> record(call, true)))
                .exact(base + "/campaigns/statistics").methods("GET").noCors().access(Routes.Access.API)
                .to((call, rest) -> api.async(() -> statistics(call)));
    }

    private CompletableFuture<FullHttpResponse> record(HttpCall call, boolean conversion) throws Exception {
        UUID tenant = api.requireScope(call, Scope.INGEST).oid(); // revenue of a tenant: never from an anonymous caller
        ObjectNode in = Payload.object(body(call));
        String campaign = ApiSupport.text(in, "campaign_id", "bad_field");
        if (campaign == null || campaign.length() > 200) {
            throw ApiError.badRequest("bad_field", "campaign_id: required, at most 200 characters");
        }
        UUID oid = tenant;
        ObjectNode e = mapper.createObjectNode().put("ename", conversion ? CampaignStats.CONVERSION : CampaignStats.CLICK)
                .put("campaign", campaign);
        String source = ApiSupport.text(in, "source", "bad_field");
        if (source != null) {
            e.put("source", source);
        }
        UUID uid = userIds.uid(oid, ApiSupport.text(in, "user_id", "bad_field"));
        if (uid != null) {
            e.put("uid", uid.toString());
        }
        if (oid != null) {
            e.put("oid", oid.toString());
        }
        ObjectNode params = e.putObject("params");
        String date = ApiSupport.text(in, conversion ? "conversion_date" : "click_date", "bad_field");
        if (date != null) {
            params.put(conversion ? "conversion_date" : "click_date", date); // the client's; counted when received
        }
        if (conversion) {
            JsonNode v = in.get("value");
            BigDecimal value;
            try {
                value = v == null || v.isNull() ? BigDecimal.ZERO : new BigDecimal(v.asText());
            } catch (NumberFormatException ex) {
                throw ApiError.badRequest("bad_field", "value: a number");
            }
            if (value.abs().compareTo(BigDecimal.valueOf(1_000_000_000_000L)) > 0 || value.stripTrailingZeros().scale() > 2) {
                throw ApiError.badRequest("bad_field", "value: at most 10^12, in cents (2 decimals)");
            }
            params.put("value", value);
            params.put("revenue", value);
        }
        return track.recordServerEvents(call, mapper.writeValueAsBytes(e), tenant);
    }

    private CompletableFuture<FullHttpResponse> statistics(HttpCall call) throws Exception {
        ApiSupport.Caller caller = api.requireScope(call, Scope.STATS_READ);
        String campaign = param(call, "campaign_id");
        if (campaign == null) {
            throw ApiError.badRequest("bad_field", "campaign_id: required");
        }
        String g = param(call, "group_by") == null ? "daily" : param(call, "group_by");
        CampaignStats.GroupBy groupBy = switch (g) {
            case "daily" -> CampaignStats.GroupBy.DAILY;
            case "weekly" -> CampaignStats.GroupBy.WEEKLY;
            case "monthly" -> CampaignStats.GroupBy.MONTHLY;
            default -> throw ApiError.badRequest("bad_field", "group_by: daily, weekly or monthly");
        };
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        LocalDate to = date(param(call, "to"), "to", today);
        LocalDate from = date(param(call, "from"), "from", to.minusDays(29));
        if (from.isAfter(to) || from.plusDays(MAX_RANGE_DAYS).isBefore(to)) {
            throw ApiError.badRequest("bad_field", "from must not be after to, and at most " + MAX_RANGE_DAYS + " days");
        }
        List<CampaignStats.Bucket> buckets = stats.statistics(caller.oid(), campaign, groupBy, from, to);
        List<Map<String, Object>> results = new ArrayList<>();
        long clicks = 0;
        long conversions = 0;
        long cents = 0;
        for (CampaignStats.Bucket b : buckets) {
            results.add(bucket(b.date().toString(), b));
            clicks += b.clicks();
            conversions += b.conversions();
            cents += b.valueCents();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("campaign_id", campaign);
        out.put("group_by", g);
        out.put("from", from.toString());
        out.put("to", to.toString());
        out.put("results", results);
        Map<String, Object> totals = bucket(null, new CampaignStats.Bucket(from, clicks, conversions, cents));
        totals.remove("date");
        out.put("totals", totals);
        return done(HttpResponses.json(HttpResponseStatus.OK, out));
    }

    private static Map<String, Object> bucket(String date, CampaignStats.Bucket b) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("date", date);
        r.put("clicks", b.clicks());
        r.put("conversions", b.conversions());
        r.put("conversion_value", BigDecimal.valueOf(b.valueCents(), 2));
        r.put("conversion_rate", b.conversionRate());
        return r;
    }

    private static LocalDate date(String s, String field, LocalDate otherwise) {
        if (s == null) {
            return otherwise;
        }
        try {
            return LocalDate.parse(s.length() > 10 ? s.substring(0, 10) : s);
        } catch (DateTimeParseException e) {
            throw ApiError.badRequest("bad_field", field + ": an ISO-8601 date (2024-01-31)");
        }
    }

}
