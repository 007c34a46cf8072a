#!/usr/bin/env python3
"""Writes the per-concern Grafana dashboards (monitoring/grafana/dashboards/*.json) from the
panel lists below: one place to read every query. nexus-overview.json is kept by hand.
Run after editing: python3 monitoring/grafana/build-dashboards.py (monitoring/check.sh parses
every query with promtool; deploy/checks/monitoring.sh checks every metric exists)."""
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parent / "dashboards"
PROM = {"type": "prometheus", "uid": "prometheus"}
PG = {"type": "grafana-postgresql-datasource", "uid": "analytics-db"}


def panel(title, exprs, unit="short", kind="timeseries", description="", legend=None):
    return {"title": title, "exprs": exprs if isinstance(exprs, list) else [exprs], "unit": unit, "type": kind,
            "description": description, "legend": legend}


def sql(title, query, unit="short", description=""):
    return {"title": title, "sql": query, "unit": unit, "type": "timeseries", "description": description}


def board(uid, title, description, panels, service_variable=False):
    out, x, y = [], 0, 0
    for index, spec in enumerate(panels, start=1):
        width = 8 if spec["type"] == "stat" else 12
        height = 4 if spec["type"] == "stat" else 8
        if x + width > 24:
            x, y = 0, y + height
        item = {
            "id": index, "type": spec["type"], "title": spec["title"], "description": spec["description"],
            "gridPos": {"h": height, "w": width, "x": x, "y": y},
            "fieldConfig": {"defaults": {"unit": spec["unit"]}, "overrides": []},
            "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]}}
            if spec["type"] == "timeseries" else {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}},
        }
        if "sql" in spec:
            item["datasource"] = PG
            item["targets"] = [{"datasource": PG, "refId": "A", "format": "time_series", "rawQuery": True,
                                "editorMode": "code", "rawSql": spec["sql"]}]
        else:
            item["datasource"] = PROM
            item["targets"] = [{"datasource": PROM, "refId": chr(65 + i), "expr": expr,
                                "legendFormat": spec["legend"] or "__auto"} for i, expr in enumerate(spec["exprs"])]
        out.append(item)
        x += width
    templating = []
    if service_variable:
        templating.append({
            "name": "service", "label": "Service", "type": "query", "datasource": PROM,
            "definition": "label_values(graphql_requests_total, service)",
            "query": {"qryType": 1, "query": "label_values(graphql_requests_total, service)", "refId": "service"},
            "refresh": 2, "multi": True, "includeAll": True, "allValue": ".+",
            "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        })
    return {"uid": uid, "title": title, "description": description, "tags": ["nexus"], "timezone": "utc",
            "editable": False, "schemaVersion": 39, "version": 1, "refresh": "30s",
            "time": {"from": "now-6h", "to": "now"}, "templating": {"list": templating}, "panels": out}


S = 'service=~"$service"'
boards = {
    "nexus-graphql.json": board("nexus-graphql", "NexusAI · Gateway and subgraphs",
        "Rate, errors and duration by service and operation.", [
        panel("Requests/s by service", f'sum by (service) (rate(graphql_requests_total{{{S}}}[$__rate_interval]))', "reqps"),
        panel("Errors/s by service and code", f'sum by (service, code) (rate(graphql_errors_total{{{S}}}[$__rate_interval]))', "reqps"),
        panel("Requests/s by operation", f'topk(15, sum by (operation) (rate(graphql_requests_total{{{S}}}[$__rate_interval])))', "reqps"),
        panel("Error ratio by service", f'sum by (service) (rate(graphql_errors_total{{{S}, code!~"BAD_USER_INPUT|UNAUTHENTICATED|FORBIDDEN|NOT_FOUND|RATE_LIMITED"}}[$__rate_interval])) / sum by (service) (rate(graphql_requests_total{{{S}}}[$__rate_interval]))', "percentunit"),
        panel("p95 duration by operation", f'topk(15, histogram_quantile(0.95, sum by (operation, le) (rate(graphql_request_duration_seconds_bucket{{{S}, type!="subscription"}}[$__rate_interval]))))', "s"),
        panel("p50 / p95 / p99 by service", [f'histogram_quantile({q}, sum by (service, le) (rate(graphql_request_duration_seconds_bucket{{{S}, type!="subscription"}}[$__rate_interval])))' for q in (0.5, 0.95, 0.99)], "s"),
        panel("Targets up", 'up{job=~"gateway|users|companions|moderation|analytics"}', "short", legend="{{job}} {{instance}}"),
        panel("Event-loop lag p99", f'nodejs_eventloop_lag_p99_seconds{{{S}}}', "s"),
        panel("Outbox backlog (events)", 'sum by (service) (outbox_pending_events)'),
        panel("Oldest unpublished event", 'max by (service) (outbox_oldest_pending_age_seconds)', "s"),
        panel("Kafka consumer lag (messages)", 'sum by (group) (event_consumer_lag_messages)'),
        panel("Database pool", 'sum by (service, state) (db_pool_connections)'),
    ], service_variable=True),
    "nexus-realtime.json": board("nexus-realtime", "NexusAI · Realtime",
        "Open subscriptions, chunk delivery, time to first token, caps.", [
        panel("Open subscriptions (gateway)", 'sum(gateway_subscriptions_open)', kind="stat"),
        panel("graphql-ws connections (subgraphs)", 'sum by (service) (graphql_ws_connections_open)', kind="stat"),
        panel("Most subscriptions held by one user", 'max(gateway_subscriptions_max_per_user)', kind="stat"),
        panel("Subscription events delivered/s", 'sum(rate(gateway_subscription_events_total[$__rate_interval]))', "ops"),
        panel("Reply chunks streamed/s", 'sum(rate(llm_reply_chunks_total[$__rate_interval]))', "ops"),
        panel("Time to first token p50 / p95", [f'histogram_quantile({q}, sum by (le) (rate(llm_time_to_first_token_seconds_bucket[$__rate_interval])))' for q in (0.5, 0.95)], "s"),
        panel("Subscriptions refused at a cap/s", 'sum by (scope) (rate(gateway_subscription_cap_refusals_total[$__rate_interval]))', "ops"),
        panel("Subscription latency p95 (chunk delivery)", 'histogram_quantile(0.95, sum by (service, le) (rate(graphql_request_duration_seconds_bucket{type="subscription"}[$__rate_interval])))', "s"),
    ]),
    "nexus-llm.json": board("nexus-llm", "NexusAI · LLM",
        "Requests by outcome, failures, provider rate limits, tokens.", [
        panel("Replies/s by outcome", 'sum by (outcome) (rate(llm_requests_total[$__rate_interval]))', "ops"),
        panel("Failure ratio", 'sum(rate(llm_requests_total{outcome!~"ok|cancelled"}[$__rate_interval])) / sum(rate(llm_requests_total{outcome!="cancelled"}[$__rate_interval]))', "percentunit"),
        panel("Time to first token p50 / p95 / p99", [f'histogram_quantile({q}, sum by (le) (rate(llm_time_to_first_token_seconds_bucket[$__rate_interval])))' for q in (0.5, 0.95, 0.99)], "s"),
        panel("Tokens/s by kind", 'sum by (kind) (rate(llm_tokens_total[$__rate_interval]))', "ops"),
        panel("Provider responses/s by status", 'sum by (status) (rate(llm_upstream_responses_total[$__rate_interval]))', "ops"),
        panel("Remaining requests / tokens (provider headers)", ['min(llm_ratelimit_remaining_requests)', 'min(llm_ratelimit_remaining_tokens)']),
    ]),
    "nexus-moderation.json": board("nexus-moderation", "NexusAI · Moderation",
        "Decisions, queue depth and age, classifier health.", [
        panel("Queue depth", 'max(moderation_queue_depth)', kind="stat"),
        panel("Oldest waiting case", 'max(moderation_queue_oldest_age_seconds)', "s", kind="stat"),
        panel("Classifier errors (1h)", 'sum(increase(moderation_classifier_errors_total[1h]))', kind="stat"),
        panel("Decisions/s", 'sum by (decision) (rate(moderation_decisions_total[$__rate_interval]))', "ops"),
        panel("Classification p95", 'histogram_quantile(0.95, sum by (le) (rate(moderation_classification_duration_seconds_bucket[$__rate_interval])))', "s"),
        panel("Fallbacks to the local classifier/s", 'sum(rate(moderation_classifier_fallbacks_total[$__rate_interval]))', "ops"),
        panel("Queue depth and oldest case over time", ['max(moderation_queue_depth)', 'max(moderation_queue_oldest_age_seconds) / 60']),
    ]),
    "nexus-analytics-business.json": board("nexus-analytics-business", "NexusAI · Analytics and business",
        "Ingest health (Prometheus) and DAU/MAU (the analytics database, read-only user).", [
        panel("Events ingested/s", 'sum(rate(analytics_events_ingested_total[$__rate_interval]))', "ops"),
        panel("Ingest lag (publish to stored)", 'max(analytics_consumer_lag_seconds)', "s"),
        panel("Duplicates dropped/s", 'sum(rate(analytics_duplicates_dropped_total[$__rate_interval]))', "ops"),
        panel("Batch duration p95", 'histogram_quantile(0.95, sum by (le) (rate(analytics_batch_duration_seconds_bucket[$__rate_interval])))', "s"),
        sql("Daily active users", "SELECT day::timestamp AS time, count(*) AS dau FROM analytics_daily_users WHERE day >= now() - interval '90 days' GROUP BY day ORDER BY day"),
        sql("Monthly active users (30-day window)", "SELECT d.day::timestamp AS time, (SELECT count(DISTINCT u.user_id) FROM analytics_daily_users u WHERE u.day > d.day - 30 AND u.day <= d.day) AS mau FROM (SELECT DISTINCT day FROM analytics_daily_users WHERE day >= now() - interval '90 days') d ORDER BY d.day"),
        panel("Webhooks from Stripe/s (billing)", 'sum(rate(billing_webhooks_received_total[$__rate_interval]))', "ops"),
        panel("Checkout sessions created (24h)", 'sum(increase(billing_checkout_sessions_created_total[24h]))', kind="stat"),
    ]),
    "nexus-infrastructure.json": board("nexus-infrastructure", "NexusAI · Infrastructure",
        "PostgreSQL, Redis, Kafka (through the app), nginx and the host.", [
        panel("PostgreSQL up", 'min(pg_up)', kind="stat"),
        panel("Redis up", 'min(redis_up)', kind="stat"),
        panel("nginx up", 'min(nginx_up)', kind="stat"),
        panel("PostgreSQL connections / max", ['sum(pg_stat_activity_count)', 'max(pg_settings_max_connections)']),
        panel("Redis memory", ['redis_memory_used_bytes', 'redis_memory_max_bytes'], "bytes"),
        panel("Redis commands/s", 'sum(rate(redis_commands_processed_total[$__rate_interval]))', "ops"),
        panel("nginx requests/s and active connections", ['sum(rate(nginx_http_requests_total[$__rate_interval]))', 'sum(nginx_connections_active)']),
        panel("Kafka: outbox backlog and consumer lag", ['sum(outbox_pending_events)', 'sum(event_consumer_lag_messages)']),
        panel("Host CPU busy", '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[$__rate_interval]))', "percentunit"),
        panel("Host memory used", '1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes', "percentunit"),
        panel("Disk free", 'node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs|ramfs"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay|squashfs|ramfs"}', "percentunit", legend="{{mountpoint}}"),
        panel("Process memory by service", 'sum by (service) (process_resident_memory_bytes)', "bytes"),
    ]),
}
for name, content in boards.items():
    (OUT / name).write_text(json.dumps(content, indent=2) + "\n")
    print(f"wrote {name}: {len(content['panels'])} panels")
