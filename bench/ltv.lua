-- One LTV payment per request for the same user: exercises sync durability and the ltv increments.
wrk.method = "POST"
wrk.path = "/tr/v1/ltv/"
wrk.body = '{"uid":"11111111-2222-4333-8444-555555555555","currency":"USD","amt":"19.99","product":"plan"}'
wrk.headers["Content-Type"] = "application/json"
