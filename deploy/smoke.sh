#!/usr/bin/env bash
# Smoke test of a running NexusAI graph, as a user sees it: liveness and readiness, a query,
# a sign-up, an authenticated query, and /metrics not public (when URL is the public entry).
# The same script runs after every deploy (.github/workflows/ci-cd.yml) and in CI against the
# local graph (deploy/checks/smoke.sh). Exit code non-zero at the first failure.
#   deploy/smoke.sh https://nexus.example.com [--public]
#   SMOKE_CACERT=cert.pem deploy/smoke.sh https://localhost:8443 --public
set -euo pipefail
base=${1:?usage: smoke.sh URL [--public]}
base=${base%/}
public=${2:-}
curl_args=(-sS --max-time 15 --retry 3 --retry-delay 2 --retry-connrefused)
[[ -n ${SMOKE_CACERT:-} ]] && curl_args+=(--cacert "$SMOKE_CACERT")
step() { printf 'smoke: %-40s' "$1"; }
fail() { echo "FAILED: $*"; exit 1; }

step "GET /health/live"
code=$(curl "${curl_args[@]}" -o /dev/null -w '%{http_code}' "$base/health/live") || fail "unreachable"
[[ $code == 200 ]] && echo ok || fail "status $code"

step "GET /health/ready"
code=$(curl "${curl_args[@]}" -o /dev/null -w '%{http_code}' "$base/health/ready")
[[ $code == 200 ]] && echo ok || fail "status $code"

gql() {
  curl "${curl_args[@]}" -H 'content-type: application/json' ${2:+-H "authorization: Bearer $2"} --data "$1" "$base/graphql"
}
step "query { __typename }"
body=$(gql '{"query":"{ __typename }"}')
[[ $body == *'"__typename":"Query"'* ]] && echo ok || fail "$body"

step "register a user"
email="smoke.$(date +%s).$RANDOM@example.test"
body=$(gql "{\"query\":\"mutation(\$i: RegisterInput!) { register(input: \$i) { accessToken user { id } } }\",\"variables\":{\"i\":{\"email\":\"$email\",\"password\":\"smoke-test-password-42\",\"displayName\":\"Smoke Test\"}}}")
token=$(sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p' <<<"$body")
[[ -n $token ]] && echo ok || fail "$body"

step "authenticated query (me)"
body=$(gql '{"query":"{ me { id email } }"}' "$token")
[[ $body == *"$email"* ]] && echo ok || fail "$body"

if [[ $public == --public ]]; then
  step "/metrics not public"
  code=$(curl "${curl_args[@]}" -o /dev/null -w '%{http_code}' "$base/metrics")
  [[ $code == 404 || $code == 403 ]] && echo ok || fail "status $code"
fi
echo "smoke: all checks passed against $base"
