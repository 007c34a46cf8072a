#!/usr/bin/env bash
# deploy/docker-compose.prod.yml through a real compose implementation (Debian's
# docker-compose) with deploy/.env.example as its .env: `config` must accept and resolve it;
# then the resolved file is checked for what the issue asks of every service (health check,
# restart policy, resource limits) and for the services it must run.
#   bash deploy/checks/compose.sh
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
scratch=$(mktemp -d /tmp/compose-check.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
# A copy, so the .env compose needs beside the file is the example's, never a real one.
cp -r deploy monitoring "$scratch/"
cp deploy/.env.example "$scratch/deploy/.env"
if ! docker-compose --project-directory "$scratch/deploy" -f "$scratch/deploy/docker-compose.prod.yml" \
  config >"$scratch/resolved.yml" 2>"$scratch/err"; then
  echo "FAIL  docker-compose config"; cat "$scratch/err"; exit 1
fi
echo "PASS  docker-compose config ($(docker-compose version --short)) resolves deploy/docker-compose.prod.yml"
python3 - "$scratch/resolved.yml" <<'PY'
import sys, yaml
config = yaml.safe_load(open(sys.argv[1]))
services = config["services"]
required = {"gateway", "users", "companions", "moderation", "analytics", "nginx", "postgres", "redis", "kafka",
            "minio", "prometheus", "alertmanager", "grafana", "loki", "promtail", "postgres-exporter",
            "redis-exporter", "node-exporter", "nginx-exporter"}
problems = [f"missing service {name}" for name in sorted(required - services.keys())]
for name, service in sorted(services.items()):
    if "restart" not in service:
        problems.append(f"{name}: no restart policy")
    if not service.get("deploy", {}).get("resources", {}).get("limits"):
        problems.append(f"{name}: no resource limits")
    # The nginx exporter shares nginx's network namespace and is watched through Prometheus.
    if "healthcheck" not in service and name not in ("nginx-exporter", "redis-exporter"):
        problems.append(f"{name}: no health check")
published = sorted(name for name, service in services.items() if service.get("ports"))
if set(published) - {"nginx", "grafana"}:
    problems.append(f"only nginx and Grafana may publish ports, not {published}")
if not str(services["postgres"]["image"]).split(":")[1].split(".")[0].isdigit() or int(services["postgres"]["image"].split(":")[1].split(".")[0]) < 15:
    problems.append("PostgreSQL must be 15 or newer")
if "--requirepass" not in " ".join(services["redis"].get("command", [])):
    problems.append("Redis runs without a password")
if services["kafka"]["environment"].get("KAFKA_PROCESS_ROLES") != "broker,controller":
    problems.append("Kafka is not in KRaft mode")
for volume in ("postgres-data", "redis-data", "kafka-data", "minio-data", "prometheus-data", "grafana-data", "loki-data"):
    if volume not in config.get("volumes", {}):
        problems.append(f"no persistent volume {volume}")
for problem in problems:
    print(f"FAIL  {problem}")
print(f"{'PASS' if not problems else 'FAIL'}  {len(services)} services: health checks, restart policies, limits, volumes, networks")
sys.exit(1 if problems else 0)
PY
