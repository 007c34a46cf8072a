#!/usr/bin/env bash
# deploy/k8s rendered with kustomize (kubectl kustomize, offline) and validated against the
# Kubernetes OpenAPI schemas (kubernetes-models, deploy/checks/tools/k8s-validate.mjs), plus
# probes, requests/limits, HPA, PDB and NetworkPolicies.
#   bash deploy/checks/kubernetes.sh
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root" || exit 1
rendered=$(mktemp)
trap 'rm -f "$rendered"' EXIT
if ! kubectl kustomize deploy/k8s >"$rendered"; then echo "FAIL  kubectl kustomize deploy/k8s"; exit 1; fi
echo "PASS  kubectl kustomize deploy/k8s ($(kubectl version --client 2>/dev/null | grep -i kustomize))"
"$node" deploy/checks/tools/k8s-validate.mjs <"$rendered"
