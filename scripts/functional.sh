#!/usr/bin/env bash
# Functional tests against whatever tracker is listening (spec §15.4's test-functional-* targets, made to verify):
# every check reads back what it wrote — through the tracker's own read APIs (LTV totals, consent, the data-subject
# export, which reads every table of the API session), so it works on DuckDB, ClickHouse or a cluster behind haproxy.
#
#   scripts/functional.sh health|ltv|ltv-batch|redirects|privacy|jurisdictions|batch|e2e|all
#   TRACKER_URL=http://localhost:8080 (default)   TRACKER_ADMIN_TOKEN=…  (needed by everything but health/jds)
set -euo pipefail
URL=${TRACKER_URL:-http://localhost:8080}
TOKEN=${TRACKER_ADMIN_TOKEN:-}
RUN=$(date +%s)$RANDOM
failures=0
pass() { echo "ok   $1"; }
fail() { echo "FAIL $1" >&2; failures=$((failures + 1)); }
uuid() { cat /proc/sys/kernel/random/uuid; }
admin() { [[ -n $TOKEN ]] || { echo "TRACKER_ADMIN_TOKEN is needed to read back what was written" >&2; exit 2; }; }
get() { curl -sS --max-time "${MAX_TIME:-10}" "$@"; }
auth=(-H "Authorization: Bearer $TOKEN")
# Polls an export until it holds N rows matching PATTERN (rows may still be in a batch): prints the count seen.
await_count() { # url pattern n
  local seen=0 end=$((SECONDS + ${AWAIT_SECONDS:-20}))
  while (( SECONDS < end )); do
    local body; body=$(get "${auth[@]}" "$1")
    seen=$(grep -o "$2" <<<"$body" | wc -l || true)
    (( seen >= $3 )) && break
    sleep 0.5
  done
  echo "$seen"
}

t_health() {
  [[ $(get "$URL/health") == *'"status":"ok"'* ]] && pass "health: /health ok" || fail "health: /health"
  [[ $(get -o /dev/null -w '%{http_code}' "$URL/ready") == 200 ]] && pass "health: /ready 200" || fail "health: /ready"
  [[ $(get "$URL/ping") == pong ]] && pass "health: /ping pong" || fail "health: /ping"
  [[ $(get "$URL/metrics") == *$'\n'tracker_events_accepted_total* ]] && pass "health: /metrics" || fail "health: /metrics"
}

t_ltv() {
  admin
  local uid; uid=$(uuid)
  get -XPOST "$URL/tr/v1/ltv/" -d "{\"uid\":\"$uid\",\"currency\":\"EUR\",\"revenue\":12.34}" >/dev/null
  local total; total=$(get "${auth[@]}" "$URL/tr/v1/ltv/uid/$uid")
  [[ $total == *'"total":"12.3400"'* ]] && pass "ltv: one payment, total 12.3400" || fail "ltv: total is $total"
}

t_ltv_batch() {
  admin
  local uid a b body; uid=$(uuid); a=$(uuid); b=$(uuid)
  body="{\"uid\":\"$uid\",\"currency\":\"EUR\",\"payments\":[{\"id\":\"$a\",\"product\":\"A\",\"revenue\":1.00},{\"id\":\"$b\",\"product\":\"B\",\"amt\":\"2.50\"}]}"
  get -XPOST "$URL/tr/v1/ltv/" -d "$body" >/dev/null
  get -XPOST "$URL/tr/v1/ltv/" -d "$body" >/dev/null # a client retry: counted once
  local total; total=$(get "${auth[@]}" "$URL/tr/v1/ltv/uid/$uid")
  [[ $total == *'"total":"3.5000"'* ]] && pass "ltv-batch: two line items, sent twice, total 3.5000" \
    || fail "ltv-batch: total is $total"
}

t_redirects() {
  admin
  local host="func-$RUN.example.com"
  local created; created=$(get -o /dev/null -w '%{http_code}' -XPOST "$URL/tr/v1/rpi/redirect" "${auth[@]}" \
    -d "{\"urlfrom\":\"https://$host/go\",\"urlto\":\"https://shop.example.org/landing?run=$RUN\"}")
  [[ $created == 201 ]] && pass "redirects: short link created" || fail "redirects: create answered $created"
  local loc; loc=$(get -o /dev/null -w '%{http_code} %{redirect_url}' -H "Host: $host" "$URL/go")
  [[ $loc == "302 https://shop.example.org/landing?run=$RUN" ]] && pass "redirects: followed (302)" || fail "redirects: got $loc"
  [[ $(get "${auth[@]}" "$URL/tr/v1/rpi/redirects/$host") == *"landing?run=$RUN"* ]] && pass "redirects: listed" \
    || fail "redirects: not listed"
  get -o /dev/null -XDELETE "${auth[@]}" "$URL/tr/v1/rpi/redirect?urlfrom=https://$host/go"
  [[ $(get -o /dev/null -w '%{http_code}' -H "Host: $host" "$URL/go") == 404 ]] && pass "redirects: deleted (404)" \
    || fail "redirects: still answered after delete"
}

t_privacy() {
  admin
  local vid; vid=$(uuid)
  get -XPOST "$URL/tr/v1/ppi/agree" -d "{\"vid\":\"$vid\",\"cflags\":5,\"tz\":\"Europe/Paris\"}" >/dev/null
  # (in a cluster the read may go to a replica a moment behind the write: poll)
  local agreed="" end=$((SECONDS + ${AWAIT_SECONDS:-20}))
  until [[ $agreed == *'"cflags":5'* ]] || (( SECONDS >= end )); do
    agreed=$(get "$URL/tr/v1/ppi/agree?vid=$vid" || true); [[ $agreed == *'"cflags":5'* ]] || sleep 0.2
  done
  [[ $agreed == *'"cflags":5'* ]] && pass "privacy: agreement stored" || fail "privacy: no agreement"
  get -o /dev/null "$URL/tr/v1/tr/?ename=func_privacy_$RUN&vid=$vid"
  [[ $(await_count "$URL/tr/v1/ppi/subject?vid=$vid" "func_privacy_$RUN" 1) -ge 1 ]] && pass "privacy: export holds the event" \
    || fail "privacy: export lacks the event"
  local erased exported
  # (on a quorum cluster an erasure waits for ClickHouse's merge selection, up to 5 s per round on 18.16)
  erased=$(MAX_TIME=60 get -o /dev/null -w '%{http_code}' -XDELETE "${auth[@]}" "$URL/tr/v1/ppi/subject?vid=$vid")
  # 202: the store took the delete and is still running it (a ClickHouse mutation under load): the rows must go
  [[ $erased == 200 || $erased == 202 ]] && pass "privacy: erasure answered $erased" || fail "privacy: erasure answered $erased"
  local end=$((SECONDS + ${AWAIT_SECONDS:-20}))
  while :; do
    exported=$(get -w '\n%{http_code}' "${auth[@]}" "$URL/tr/v1/ppi/subject?vid=$vid" || true)
    [[ $exported == *$'\n200' && $exported == *'"events"'* && $exported != *"func_privacy_$RUN"* ]] && break
    (( SECONDS < end )) || break
    sleep 0.5
  done
  [[ $exported == *$'\n200' && $exported == *'"events"'* && $exported != *"func_privacy_$RUN"* ]] \
    && pass "privacy: erased everywhere" || fail "privacy: rows left after erasure (or no export)"
}

t_jurisdictions() {
  local jds; jds=$(get "$URL/tr/v1/ppi/jds")
  [[ ${#jds} -gt 10 && ( $jds == '['* || $jds == '{'* ) ]] && pass "jurisdictions: list served (${#jds} bytes)" \
    || fail "jurisdictions: empty"
}

t_batch() {
  admin
  local vid n=200 body="["; vid=$(uuid)
  for i in $(seq 1 $n); do body+="{\"ename\":\"func_batch_$RUN\",\"vid\":\"$vid\",\"n\":$i}"; (( i < n )) && body+=","; done
  body+="]"
  [[ $(get -o /dev/null -w '%{http_code}' -XPOST "$URL/tr/v1/tr/" -d "$body") == 200 ]] || fail "batch: POST refused"
  local seen; seen=$(await_count "$URL/tr/v1/ppi/subject?vid=$vid" "func_batch_$RUN" $n)
  [[ $seen == "$n" ]] && pass "batch: $n events in one request, $n stored" || fail "batch: $seen of $n stored"
}

# The Go tracker's messaging telemetry: an event with a UUID tid is stored in events, mthreads, mstore and mtriage,
# all of which the visitor's export shows (four rows holding the tid).
t_messaging() {
  admin
  local vid tid; vid=$(uuid); tid=$(uuid)
  [[ $(get -o /dev/null -w '%{http_code}' -XPOST "$URL/tr/v1/tr/" -d "{\"ename\":\"func_msg_$RUN\",\"vid\":\"$vid\",\"tid\":\"$tid\",\"provider\":\"email\",\"subject\":\"Welcome\",\"cats\":[\"onboarding\"]}") == 200 ]] \
    || fail "messaging: POST refused"
  local seen; seen=$(await_count "$URL/tr/v1/ppi/subject?vid=$vid" "$tid" 4)
  [[ $seen == 4 ]] && pass "messaging: events, mthreads, mstore and mtriage rows stored" || fail "messaging: $seen of 4 rows"
}

t_e2e() {
  admin
  local vid; vid=$(uuid)
  get -o /dev/null "$URL/tr/v1/img/?ename=func_e2e_$RUN&etyp=pixel&vid=$vid"
  get -o /dev/null "$URL/tr/v1/tr/ename/func_e2e_$RUN/etyp/path?vid=$vid"
  get -o /dev/null -XPOST "$URL/tr/v1/tr/" -d "{\"ename\":\"func_e2e_$RUN\",\"etyp\":\"json\",\"vid\":\"$vid\"}"
  local eid; eid=$(get -XPOST "$URL/tr/v1/str/" -d "{\"ename\":\"func_e2e_$RUN\",\"etyp\":\"server\",\"vid\":\"$vid\"}")
  [[ $eid == *'"eid"'* ]] && pass "e2e: server hit answered its eid" || fail "e2e: /str/ answered $eid"
  local signed link; signed=$(get -XPOST "$URL/tr/v1/rpi/sign" "${auth[@]}" -d '{"url":"https://partner.example.org/x"}')
  link=$(sed -n 's/.*"link":"\([^"]*\)".*/\1/p' <<<"$signed")
  [[ $(get -o /dev/null -w '%{http_code}' "$URL$link&ename=func_e2e_$RUN&etyp=redirect&vid=$vid") == 302 ]] \
    && pass "e2e: signed redirect 302" || fail "e2e: signed redirect"
  local seen; seen=$(await_count "$URL/tr/v1/ppi/subject?vid=$vid" "func_e2e_$RUN" 5)
  [[ $seen == 5 ]] && pass "e2e: pixel, path, JSON, server and redirect hits all stored" || fail "e2e: $seen of 5 stored"
}

case ${1:-all} in
  health) t_health ;;
  ltv) t_ltv ;;
  ltv-batch) t_ltv_batch ;;
  redirects) t_redirects ;;
  privacy) t_privacy ;;
  jurisdictions) t_jurisdictions ;;
  batch) t_batch ;;
  e2e) t_e2e ;;
  messaging) t_messaging ;;
  all) t_health; t_jurisdictions; t_ltv; t_ltv_batch; t_redirects; t_privacy; t_batch; t_messaging; t_e2e ;;
  *) echo "usage: $0 health|ltv|ltv-batch|redirects|privacy|jurisdictions|batch|messaging|e2e|all" >&2; exit 2 ;;
esac
echo "functional ($URL): $failures failed"
exit $(( failures > 0 ))
