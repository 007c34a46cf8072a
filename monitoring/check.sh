#!/usr/bin/env bash
# Validates the monitoring and deployment configuration without running any server:
#   1. promtool check config monitoring/prometheus.yml
#   2. promtool check rules  monitoring/alerts.yml
#   3. promtool test rules   monitoring/alerts.test.yml
#   4. every YAML file under deploy/ and monitoring/ parses (python3 + PyYAML, if present)
#   5. promtail keeps requestId out of Loki labels (python3 + PyYAML, if present)
#   6. the Grafana dashboards are valid JSON, and their PromQL parses (promtool)
#   7. deploy/k8s renders with `kubectl kustomize` (if kubectl is present; offline)
# promtool comes from Debian's `prometheus` package, installed when missing (root + apt).
# Each step prints one PASS/FAIL/SKIP line; the exit code is non-zero if any failed.
#
#   bash monitoring/check.sh
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 1

passed=0
failed=0
skipped=0
pass() { echo "PASS  $*"; passed=$((passed + 1)); }
fail() { echo "FAIL  $*"; failed=$((failed + 1)); }
skip() { echo "SKIP  $*"; skipped=$((skipped + 1)); }
say() { echo "----  $*"; }

# Runs a command, shows its output indented, and records PASS/FAIL under a label.
run_step() {
  local label=$1
  shift
  local out
  if out=$("$@" 2>&1); then
    [[ -n $out ]] && sed 's/^/      /' <<<"$out"
    pass "$label"
  else
    [[ -n $out ]] && sed 's/^/      /' <<<"$out"
    fail "$label"
  fi
}

# ---------------------------------------------------------------- promtool
# Installs Debian's prometheus package (it ships promtool) without starting its
# server: --no-install-recommends skips the node exporter, and a policy-rc.d that
# denies service starts is put in place for the install if the machine has none.
install_promtool() {
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    say "promtool is missing and this is not a root Debian machine: install promtool (Prometheus) and rerun"
    return 1
  fi
  say "promtool not found: running apt-get update"
  apt-get update -qq >/dev/null || { say "apt-get update failed"; return 1; }
  local candidate
  candidate=$(apt-cache policy prometheus 2>/dev/null | awk '/Candidate:/ {print $2}')
  if [[ -z $candidate || $candidate == "(none)" ]]; then
    say "apt-cache policy prometheus: no installable candidate; cannot get promtool"
    return 1
  fi
  say "apt-cache policy prometheus: candidate $candidate; installing it (--no-install-recommends) for promtool"
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# temporary, from monitoring/check.sh: no service starts during install\nexit 101\n' >"$policy"
    chmod +x "$policy"
    made_policy=1
  fi
  local rc=0 log
  log=$(mktemp)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >"$log" 2>&1 || rc=$?
  if ((made_policy)); then rm -f "$policy"; fi
  if ((rc != 0)); then
    tail -n 20 "$log" | sed 's/^/      /'
    rm -f "$log"
    say "apt-get install prometheus failed (exit $rc)"
    return 1
  fi
  rm -f "$log"
  # Belt and braces: if an init system started the server anyway, stop that service.
  if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
    systemctl stop prometheus && systemctl disable --quiet prometheus
    say "stopped and disabled the prometheus service the package had started"
  fi
  say "installed Debian package prometheus $candidate; using $(command -v promtool)"
}

if command -v promtool >/dev/null; then
  say "promtool found: $(command -v promtool) ($(promtool --version 2>&1 | head -n 1))"
  have_promtool=1
elif install_promtool && command -v promtool >/dev/null; then
  say "promtool: $(promtool --version 2>&1 | head -n 1)"
  have_promtool=1
else
  have_promtool=0
fi

if ((have_promtool)); then
  run_step "promtool check config monitoring/prometheus.yml" promtool check config monitoring/prometheus.yml
  run_step "promtool check rules monitoring/alerts.yml" promtool check rules monitoring/alerts.yml
  run_step "promtool test rules monitoring/alerts.test.yml" promtool test rules monitoring/alerts.test.yml
else
  fail "promtool check config monitoring/prometheus.yml (no promtool)"
  fail "promtool check rules monitoring/alerts.yml (no promtool)"
  fail "promtool test rules monitoring/alerts.test.yml (no promtool)"
fi

# ---------------------------------------------------------------- YAML
mapfile -t yaml_files < <(find deploy monitoring -path '*/node_modules' -prune -o -type f \( -name '*.yml' -o -name '*.yaml' \) -print | sort)

if command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null; then
  run_step "YAML parses: ${#yaml_files[@]} files under deploy/ and monitoring/" python3 - "${yaml_files[@]}" <<'PY'
import sys, yaml

bad = 0
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as handle:
            docs = [doc for doc in yaml.safe_load_all(handle) if doc is not None]
        print(f"ok   {path} ({len(docs)} document{'s' if len(docs) != 1 else ''})")
    except yaml.YAMLError as error:
        bad += 1
        print(f"BAD  {path}: {error}")
sys.exit(1 if bad else 0)
PY

  # requestId is unique per request: as a Loki label it would create a stream per
  # request. It must stay in the line (or structured metadata), never in `labels`.
  run_step "promtail: level and service are labels, requestId is not" python3 - monitoring/promtail.yml <<'PY'
import sys, yaml

def stages(items):
    for stage in items or []:
        yield stage
        if isinstance(stage, dict) and "match" in stage:
            yield from stages(stage["match"].get("stages"))

config = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
labels = set()
for job in config.get("scrape_configs", []):
    for stage in stages(job.get("pipeline_stages")):
        if isinstance(stage, dict) and "labels" in stage:
            labels |= set((stage["labels"] or {}).keys())
print(f"label stages set: {sorted(labels)}")
missing = {"level", "service"} - labels
if missing:
    sys.exit(f"missing labels: {sorted(missing)}")
if {"requestId", "requestid", "request_id"} & labels:
    sys.exit("requestId must not be a label (one stream per request)")
PY
else
  skip "YAML parse of ${#yaml_files[@]} files: python3 with PyYAML is not available"
  skip "promtail label check: python3 with PyYAML is not available"
fi

# ---------------------------------------------------------------- dashboards
mapfile -t json_files < <(find monitoring/grafana -type f -name '*.json' | sort)
if ((${#json_files[@]} == 0)); then
  fail "Grafana dashboards: none found under monitoring/grafana"
elif command -v python3 >/dev/null; then
  run_step "dashboard JSON parses: ${json_files[*]}" python3 -c '
import json, sys
for path in sys.argv[1:]:
    board = json.load(open(path, encoding="utf-8"))
    panels = [p for p in board.get("panels", []) if p.get("type") != "row"]
    variables = [v["name"] for v in board.get("templating", {}).get("list", [])]
    assert panels, f"{path}: no panels"
    print(f"ok   {path}: {len(panels)} panels, variables {variables}")
' "${json_files[@]}"
elif command -v node >/dev/null; then
  run_step "dashboard JSON parses: ${json_files[*]}" node -e '
for (const path of process.argv.slice(1)) {
  JSON.parse(require("fs").readFileSync(path, "utf8"));
  console.log(`ok   ${path}`);
}' "${json_files[@]}"
else
  skip "dashboard JSON: neither python3 nor node is available"
fi

# Dashboard PromQL: each Prometheus target becomes a recording rule in a scratch file
# (Grafana variables replaced by sample values) so promtool's parser checks it.
if ((have_promtool)) && command -v python3 >/dev/null && ((${#json_files[@]} > 0)); then
  scratch=$(mktemp -d)
  if python3 - "$scratch/dashboard-queries.yml" "${json_files[@]}" <<'PY'
import json, sys

out, paths = sys.argv[1], sys.argv[2:]
rules = []
for path in paths:
    board = json.load(open(path, encoding="utf-8"))
    for panel in board.get("panels", []):
        for target in panel.get("targets", []):
            if (target.get("datasource") or panel.get("datasource") or {}).get("type") != "prometheus":
                continue
            expr = (target["expr"].replace("$__rate_interval", "1m").replace("$__interval", "1m")
                    .replace("$service", ".+"))
            stem = path.rsplit("/", 1)[-1].removesuffix(".json").replace("-", "_")
            rules.append((f"dashboard:{stem}:{panel['id']}:{target['refId']}", expr))
with open(out, "w", encoding="utf-8") as handle:
    handle.write("groups:\n  - name: dashboard-queries\n    rules:\n")
    for name, expr in rules:
        handle.write(f"      - record: {json.dumps(name)}\n        expr: {json.dumps(expr)}\n")
print(f"      {len(rules)} Prometheus queries extracted")
PY
  then
    run_step "dashboard PromQL parses (promtool)" promtool check rules "$scratch/dashboard-queries.yml"
  else
    fail "dashboard PromQL: could not extract the queries"
  fi
  rm -rf "$scratch"
fi

# ---------------------------------------------------------------- kubernetes
if command -v kubectl >/dev/null; then
  run_step "kubectl kustomize deploy/k8s renders" bash -c \
    'out=$(kubectl kustomize deploy/k8s) && echo "$(grep -c "^kind:" <<<"$out") objects: $(grep "^kind:" <<<"$out" | sort | uniq -c | awk "{printf \"%s%s %s\", (NR > 1 ? \", \" : \"\"), \$1, \$3}")"'
else
  skip "kubectl kustomize deploy/k8s: kubectl is not available"
fi

echo
echo "monitoring/check.sh: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
