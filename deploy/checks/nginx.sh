#!/usr/bin/env bash
# Runs Debian's nginx with deploy/nginx.conf in front of a running graph and checks what a
# client sees: HTTPS query, HTTP -> HTTPS redirect, TLS 1.1 refused, security headers, gzip,
# a chat reply streamed over wss://, 429 past the burst (API and sign-in), /metrics refused,
# a data export downloaded (and a bad export link refused);
# then deploy/smoke.sh through nginx, and promtail's pipeline on this run's log lines.
# The config nginx runs is derived from the production file by rewriting only addresses and
# paths (upstreams -> 127.0.0.1 ports, certificate and temp paths -> a scratch directory);
# the check fails if any other line differs. Exit code non-zero on any failure.
#   bash deploy/checks/nginx.sh
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root" || exit 1

failed=0
passed=0
ok() { echo "PASS  $*"; passed=$((passed + 1)); }
bad() { echo "FAIL  $*"; failed=$((failed + 1)); }

command -v nginx >/dev/null || { echo "nginx is not installed (apt-get install nginx)"; exit 1; }
scratch=$(mktemp -d /tmp/nginx-check.XXXXXX)
cleanup() {
  stop_nginx "$scratch"
  stop_started
  rm -rf "$scratch"
}
trap cleanup EXIT

GRAPH_LOG_LEVEL=info start_graph "$scratch/graph" || { echo "FAIL  the graph did not start"; exit 1; }
echo "----  graph ready: gateway 127.0.0.1:$GATEWAY_PORT, users 127.0.0.1:$USERS_PORT"

# ------------------------------------------------------------ certificate, config, start
derive_nginx "$scratch" || { echo "FAIL  openssl could not make a certificate"; exit 1; }
http_port=$NGINX_HTTP_PORT https_port=$NGINX_HTTPS_PORT
# Only address and path lines may differ from the production file.
other=$(diff deploy/nginx.conf "$scratch/nginx.conf" | grep '^<' |
  grep -v -E 'listen |server (gateway|users):|/etc/nginx/tls/|/var/www/acme|/tmp/|/dev/std(out|err)' || true)
if [[ -z $other ]]; then ok "derived config differs from deploy/nginx.conf only in addresses and paths"; else
  bad "derived config changes other lines:"; echo "$other"
fi
if out=$(nginx -t -c "$scratch/nginx.conf" -p "$scratch" -e "$scratch/error.log" 2>&1); then
  ok "nginx -t ($(nginx -v 2>&1 | sed 's/.*: //'))"
else
  echo "$out"; bad "nginx -t"; exit 1
fi
start_nginx "$scratch" || { bad "nginx did not start"; exit 1; }
https="https://localhost:$https_port"
curl_tls=(curl -sS --cacert "$scratch/tls/fullchain.pem" --max-time 20)

# ------------------------------------------------------------ checks
body=$("${curl_tls[@]}" -H 'content-type: application/json' --data '{"query":"{ __typename }"}' "$https/graphql")
[[ $body == *'"__typename":"Query"'* ]] && ok "query over HTTPS: $body" || bad "query over HTTPS: $body"

redirect=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' "http://localhost:$http_port/graphql?x=1")
[[ $redirect == "301 https://localhost"*"/graphql?x=1" ]] && ok "HTTP answered with a redirect: $redirect" ||
  bad "HTTP redirect: $redirect"

# The client is allowed TLS 1.1 (security level 0) so that a refusal is the server's.
tls11=$(openssl s_client -connect "127.0.0.1:$https_port" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null 2>&1)
tls12=$(openssl s_client -connect "127.0.0.1:$https_port" -tls1_2 </dev/null 2>&1)
tls13=$(openssl s_client -connect "127.0.0.1:$https_port" -tls1_3 </dev/null 2>&1)
if grep -q -E 'alert protocol version|unsupported protocol|wrong version number' <<<"$tls11" &&
  ! grep -q 'New, TLSv1' <<<"$tls11"; then
  ok "TLS 1.1 refused ($(grep -o -m1 -E 'alert protocol version|unsupported protocol|wrong version number' <<<"$tls11"))"
else
  bad "TLS 1.1 was not refused by the server:"; grep -E 'Protocol|alert|error|Cipher' <<<"$tls11" | head -n 8
fi
grep -q 'New, TLSv1.2' <<<"$tls12" && ok "TLS 1.2 accepted" || bad "TLS 1.2 not accepted"
grep -q 'New, TLSv1.3' <<<"$tls13" && ok "TLS 1.3 accepted" || bad "TLS 1.3 not accepted"

headers=$("${curl_tls[@]}" -D - -o /dev/null -H 'content-type: application/json' --data '{"query":"{ __typename }"}' "$https/graphql")
for expected in 'strict-transport-security: max-age=63072000; includeSubDomains; preload' \
  'x-frame-options: SAMEORIGIN' 'x-content-type-options: nosniff' 'referrer-policy: ' \
  "content-security-policy: default-src 'self'"; do
  grep -qiF "$expected" <<<"$headers" && ok "header ${expected%%:*}" || bad "header missing: $expected"
done
grep -qi '^server: nginx/' <<<"$headers" && bad "nginx version exposed" || ok "server version hidden"

# A response over gzip_min_length: the schema's type names.
gzip_headers=$("${curl_tls[@]}" -D - -o "$scratch/gz" -H 'accept-encoding: gzip' -H 'content-type: application/json' \
  --data '{"query":"{ __schema { types { name description } } }"}' "$https/graphql")
if grep -qi '^content-encoding: gzip' <<<"$gzip_headers" && gzip -t "$scratch/gz" 2>/dev/null; then
  ok "gzip: $(stat -c %s "$scratch/gz") compressed bytes, $(gzip -dc "$scratch/gz" | wc -c) plain"
else
  bad "gzip not applied"; echo "$gzip_headers"
fi

metrics=$("${curl_tls[@]}" -o /dev/null -w '%{http_code}' "$https/metrics")
upstream_metrics=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$GATEWAY_PORT/metrics")
[[ $metrics == 404 && $upstream_metrics == 200 ]] && ok "/metrics refused through nginx (404; the gateway serves it: $upstream_metrics)" ||
  bad "/metrics through nginx: $metrics (gateway direct: $upstream_metrics)"

# Data export downloads (/exports/) reach the users service: a bad link gets its JSON refusal,
# and a real export, asked for over /graphql, downloads through nginx as an attachment.
refused=$("${curl_tls[@]}" -w ' %{http_code}' "$https/exports/00000000-0000-7000-8000-000000000000?expires=1&signature=00")
[[ $refused == *'"BAD_SIGNATURE"'*' 403' ]] && ok "export link with a bad signature refused through nginx (403, JSON)" ||
  bad "bad export link through nginx: $refused"
graphql() { # graphql BODY [TOKEN]
  "${curl_tls[@]}" -H 'content-type: application/json' ${2:+-H "authorization: Bearer $2"} --data "$1" "$https/graphql"
}
export_email="export-check-$RANDOM@example.com"
export_token=$(graphql '{"query":"mutation { register(input: {email: \"'"$export_email"'\", password: \"correct-horse-42\", displayName: \"Export Check\"}) { accessToken } }"}' |
  sed -E 's/.*"accessToken":"([^"]+)".*/\1/')
graphql '{"query":"mutation { requestDataExport { id } }"}' "$export_token" >/dev/null
link=
for _ in $(seq 1 60); do
  link=$(graphql '{"query":"{ dataExport { url } }"}' "$export_token" | grep -o '/exports/[^"]*' || true)
  [[ -n $link ]] && break
  sleep 0.5
done
export_status=$("${curl_tls[@]}" -D "$scratch/export.headers" -o "$scratch/export.json" -w '%{http_code}' "$https${link:-/exports/none}")
if [[ $export_status == 200 ]] && grep -qi '^content-disposition: attachment' "$scratch/export.headers" &&
  grep -q '"nexusai-data-export/1"' "$scratch/export.json" && grep -qF "$export_email" "$scratch/export.json"; then
  ok "data export downloaded through nginx: $(stat -c %s "$scratch/export.json") bytes, an attachment"
else
  bad "data export through nginx: status $export_status, link '${link}'"
fi

if chat=$(NODE_EXTRA_CA_CERTS="$scratch/tls/fullchain.pem" "$node" deploy/checks/chat-over-nginx.mjs "$https" 2>&1); then
  ok "$chat"
else
  bad "chat over wss:// through nginx: $chat"
fi

# The deploy smoke test (deploy/smoke.sh), as CI/CD runs it after a deploy.
if out=$(SMOKE_CACERT="$scratch/tls/fullchain.pem" bash deploy/smoke.sh "$https" --public 2>&1); then
  echo "$out" | sed 's/^/      /'
  ok "deploy/smoke.sh passes through nginx"
else
  echo "$out"
  bad "deploy/smoke.sh through nginx"
fi

# Requests at once from one address over one HTTP/2 connection (so they arrive together):
# the API allows 100 r/s with a burst of 20, sign-in operations 5 r/s with a burst of 5.
burst() { # burst COUNT [extra header]: prints "count answer" pairs (200 = data, 429 = RATE_LIMITED)
  local count=$1 extra=${2:-x-check: burst} urls=()
  for _ in $(seq 1 "$count"); do urls+=("$https/graphql"); done
  "${curl_tls[@]}" --http2 --parallel --parallel-max 100 -H 'content-type: application/json' -H "$extra" \
    --data '{"query":"{ __typename }"}' "${urls[@]}" 2>/dev/null |
    grep -o -E '"__typename":"Query"|"code":"[A-Z_]+"' | sed 's/"__typename":"Query"/200/; s/"code":"RATE_LIMITED"/429/' |
    sort | uniq -c | tr -s ' \n' ' '
}
sleep 1
statuses=$(burst 100)
limited=$(grep -o -E '[0-9]+ 429' <<<"$statuses" | cut -d' ' -f1)
[[ ${limited:-0} -ge 20 && $statuses == *' 200'* ]] && ok "API burst of 100 past the limit: $statuses(count status)" ||
  bad "API burst: $statuses(expected >= 20 of 100 answered 429)"
sleep 1
statuses=$(burst 20 'x-apollo-operation-name: login')
limited=$(grep -o -E '[0-9]+ 429' <<<"$statuses" | cut -d' ' -f1)
[[ ${limited:-0} -ge 5 && $statuses == *' 200'* ]] && ok "sign-in burst of 20 past 5 r/s: $statuses(count status)" ||
  bad "sign-in burst: $statuses(expected >= 5 of 20 answered 429)"
limited_logged=$(grep -c '"status":429' "$scratch/access.log")
((limited_logged >= 25)) && ok "status 429 with a RATE_LIMITED body: $limited_logged in the JSON access log" ||
  bad "access log has $limited_logged status-429 lines"

# Promtail's pipeline (monitoring/promtail.yml) on the real lines of this run.
if out=$(python3 monitoring/checks/log_pipeline.py --app "$scratch/graph/graph.out" "$scratch/graph/graph.err" \
  --nginx-access "$scratch/access.log" --nginx-error "$scratch/error.log" 2>&1); then
  echo "$out" | sed 's/^/      /'
  ok "promtail pipeline: JSON fields, regexes, drops and timestamps hold on this run's graph and nginx logs"
else
  echo "$out"
  bad "promtail pipeline on real log lines"
fi

echo
echo "deploy/checks/nginx.sh: $passed passed, $failed failed"
((failed == 0))
