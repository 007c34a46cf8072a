#!/usr/bin/env bash
# The monitoring stack, live: Debian's Prometheus, Alertmanager and the PostgreSQL, Redis,
# node and nginx exporters against a running graph, nginx and this machine's services
# (read-only). Checks: every scrape target up; every rule of monitoring/alerts.yml loaded
# and evaluated without error; every metric that rules and dashboards use is exposed
# (monitoring/checks/metric_names.py); Alertmanager's config passes amtool; and when the
# graph is stopped, TargetDown fires and reaches Alertmanager and its Slack receiver (a
# local HTTP endpoint). Rules run from a copy with `for:` shortened to 10s and Prometheus
# scrapes every 2s, so the whole check stays under about 3 minutes.
#   bash deploy/checks/monitoring.sh
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root" || exit 1

failed=0
passed=0
ok() { echo "PASS  $*"; passed=$((passed + 1)); }
bad() { echo "FAIL  $*"; failed=$((failed + 1)); }
finish() {
  echo
  echo "deploy/checks/monitoring.sh: $passed passed, $failed failed"
  ((failed == 0))
  exit
}

scratch=$(mktemp -d /tmp/monitoring-check.XXXXXX)
cleanup() {
  stop_nginx "$scratch/nginx"
  stop_started
  rm -rf "$scratch"
}
trap cleanup EXIT

# ------------------------------------------------------------ Alertmanager config (amtool)
# Placeholder values: the Slack webhook goes to a local receiver started below; SMTP to a
# closed local port (email delivery is not exercised here).
slack_port=$(free_port)
export SLACK_WEBHOOK_URL="http://127.0.0.1:$slack_port/slack" SLACK_CHANNEL_CRITICAL='#oncall' \
  SLACK_CHANNEL_WARNING='#alerts' ALERT_EMAIL_TO=oncall@example.invalid ALERT_EMAIL_FROM=alertmanager@example.invalid \
  SMTP_SMARTHOST="127.0.0.1:$(free_port)" SMTP_USERNAME=alerts SMTP_PASSWORD="it's a p&ss|word"
if sh monitoring/render-alertmanager.sh monitoring/alertmanager.yml "$scratch/alertmanager.yml" &&
  out=$(amtool check-config "$scratch/alertmanager.yml" 2>&1); then
  ok "amtool check-config (rendered from monitoring/alertmanager.yml): $(grep -c -E '^ - ' <<<"$out") sections"
else
  bad "Alertmanager config: ${out:-render failed}"
fi
if (unset SMTP_PASSWORD && sh monitoring/render-alertmanager.sh monitoring/alertmanager.yml /dev/null 2>/dev/null); then
  bad "render-alertmanager.sh rendered with SMTP_PASSWORD unset"
else
  ok "render-alertmanager.sh refuses an unset variable"
fi
# The test copy waits 2s instead of 30s before the first notification of a group.
sed -i 's/group_wait: 30s/group_wait: 2s/' "$scratch/alertmanager.yml"

# ------------------------------------------------------------ what Prometheus watches
start_graph "$scratch/graph" || { bad "the graph did not start"; finish; }
derive_nginx "$scratch/nginx" && start_nginx "$scratch/nginx" || { bad "nginx did not start"; finish; }
echo "----  graph and nginx running"

python3 -u - "$slack_port" "$scratch/slack.jsonl" >"$scratch/slack.log" 2>&1 <<'PY' &
import http.server, sys
port, out = int(sys.argv[1]), sys.argv[2]
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        with open(out, "ab") as handle:
            handle.write(body + b"\n")
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Hook).serve_forever()
PY
remember_pid $!

pg_port=$(free_port) redis_port=$(free_port) node_port=$(free_port) nginx_exporter_port=$(free_port)
am_port=$(free_port) prom_port=$(free_port)
DATA_SOURCE_NAME='postgresql://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable' \
  prometheus-postgres-exporter --web.listen-address="127.0.0.1:$pg_port" >"$scratch/pg-exporter.log" 2>&1 &
remember_pid $!
prometheus-redis-exporter -redis.addr redis://127.0.0.1:6379 -web.listen-address "127.0.0.1:$redis_port" \
  >"$scratch/redis-exporter.log" 2>&1 &
remember_pid $!
prometheus-node-exporter --web.listen-address="127.0.0.1:$node_port" >"$scratch/node-exporter.log" 2>&1 &
remember_pid $!
prometheus-nginx-exporter -nginx.scrape-uri "http://127.0.0.1:$NGINX_STATUS_PORT/nginx-status" \
  -web.listen-address "127.0.0.1:$nginx_exporter_port" >"$scratch/nginx-exporter.log" 2>&1 &
remember_pid $!
prometheus-alertmanager --config.file="$scratch/alertmanager.yml" --storage.path="$scratch/am-data" \
  --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= >"$scratch/alertmanager.log" 2>&1 &
remember_pid $!

# Rules: a copy with every `for:` at 10s.
sed -E 's/^(\s+)for: .*/\1for: 10s/' monitoring/alerts.yml >"$scratch/alerts.yml"
job() { printf '  - job_name: %s\n    static_configs:\n      - targets: ["127.0.0.1:%s"]\n' "$1" "$2"; }
{
  printf 'global:\n  scrape_interval: 2s\n  scrape_timeout: 2s\n  evaluation_interval: 2s\n'
  printf 'rule_files:\n  - %s\n' "$scratch/alerts.yml"
  printf 'alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ["127.0.0.1:%s"]\n' "$am_port"
  printf 'scrape_configs:\n'
  job gateway "$GATEWAY_PORT"
  job users "$USERS_PORT"
  job companions "$COMPANIONS_PORT"
  job moderation "$MODERATION_PORT"
  job analytics "$ANALYTICS_PORT"
  job postgres "$pg_port"
  job redis "$redis_port"
  job node "$node_port"
  job nginx "$nginx_exporter_port"
  job alertmanager "$am_port"
  job prometheus "$prom_port"
} >"$scratch/prometheus.yml"
# The jobs here are the production config's jobs, one for one.
prod_jobs=$(grep -o -E 'job_name: *[a-z_-]+' monitoring/prometheus.yml | awk '{print $2}' | sort | tr '\n' ' ')
test_jobs=$(grep -o -E 'job_name: *[a-z_-]+' "$scratch/prometheus.yml" | awk '{print $2}' | sort | tr '\n' ' ')
[[ $prod_jobs == "$test_jobs" ]] && ok "scrape jobs match monitoring/prometheus.yml: $prod_jobs" ||
  bad "scrape jobs differ: production [$prod_jobs] test [$test_jobs]"
prometheus --config.file="$scratch/prometheus.yml" --storage.tsdb.path="$scratch/prom-data" \
  --web.listen-address="127.0.0.1:$prom_port" >"$scratch/prometheus.log" 2>&1 &
remember_pid $!
api="http://127.0.0.1:$prom_port/api/v1"

# ------------------------------------------------------------ targets and rules
targets_up() {
  curl -sf "$api/targets" | python3 -c '
import json, sys
targets = json.load(sys.stdin)["data"]["activeTargets"]
down = [f"{t['"'"'labels'"'"']['"'"'job'"'"']}: {t['"'"'health'"'"']} {t['"'"'lastError'"'"']}" for t in targets if t["health"] != "up"]
print(f"{len(targets) - len(down)}/{len(targets)} up" + ("; " + "; ".join(down) if down else ""))
sys.exit(1 if down or len(targets) < 11 else 0)'
}
if wait_for 90 "every scrape target up" targets_up; then ok "every scrape target up: $(targets_up)"; else
  bad "scrape targets: $(targets_up)"
fi

rules_ok() {
  curl -sf "$api/rules" | python3 -c '
import json, sys
groups = json.load(sys.stdin)["data"]["groups"]
rules = [rule for group in groups for rule in group["rules"]]
bad = [f"{r['"'"'name'"'"']}: {r['"'"'health'"'"']} {r.get('"'"'lastError'"'"', '"'"''"'"')}" for r in rules if r["health"] != "ok"]
print(f"{len(rules) - len(bad)}/{len(rules)} rules evaluated ok" + ("; " + "; ".join(bad[:5]) if bad else ""))
sys.exit(1 if bad or not rules else 0)'
}
expected_rules=$(grep -c -E '^\s+- alert:' monitoring/alerts.yml)
if wait_for 60 "every rule evaluated" rules_ok && [[ $(rules_ok) == "$expected_rules/$expected_rules "* ]]; then
  ok "rules loaded and evaluated without error: $(rules_ok)"
else
  bad "rules: $(rules_ok) (monitoring/alerts.yml has $expected_rules)"
fi

# ------------------------------------------------------------ metric names
urls=()
for port in "$GATEWAY_PORT" "$USERS_PORT" "$COMPANIONS_PORT" "$MODERATION_PORT" "$ANALYTICS_PORT" \
  "$pg_port" "$redis_port" "$node_port" "$nginx_exporter_port"; do urls+=("http://127.0.0.1:$port/metrics"); done
if out=$(python3 monitoring/checks/metric_names.py "${urls[@]}" 2>&1); then
  echo "$out" | grep -v '^     http'
  ok "every metric used by rules and dashboards is exposed (or listed in monitoring/metrics-expected-elsewhere.txt)"
else
  echo "$out"
  bad "metrics used by rules or dashboards are missing"
fi

# ------------------------------------------------------------ an alert, end to end
stop_graph
echo "----  graph stopped at $(date -u +%T); waiting for TargetDown in Alertmanager"
am_alert() {
  curl -sf "http://127.0.0.1:$am_port/api/v2/alerts?filter=alertname%3D%22TargetDown%22&active=true" |
    python3 -c 'import json, sys; jobs = sorted({a["labels"]["job"] for a in json.load(sys.stdin)}); print(" ".join(jobs)); sys.exit(0 if "gateway" in jobs and "companions" in jobs else 1)'
}
if wait_for 90 "TargetDown in Alertmanager" am_alert; then
  ok "TargetDown fired and reached Alertmanager at $(date -u +%T) for: $(am_alert)"
else
  bad "TargetDown did not reach Alertmanager: $(am_alert)"
fi
slack_got() { grep -q 'TargetDown' "$scratch/slack.jsonl" 2>/dev/null; }
if wait_for 30 "the Slack receiver" slack_got; then
  ok "the critical route notified Slack: $(grep -o '"channel":"[^"]*"' "$scratch/slack.jsonl" | sort -u | tr '\n' ' ')"
else
  bad "no Slack notification"; tail -n 5 "$scratch/alertmanager.log"
fi
finish
