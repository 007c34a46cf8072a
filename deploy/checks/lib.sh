# Shared by the deploy/ and monitoring/ checks (sourced, not run): free ports, waiting,
# and a graph started with `node dist/scripts/start.js` (embedded profile) on free ports.
# Everything a check starts is recorded and stopped by its EXIT trap (stop_started).

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
node="$root/node_modules/.bin/node"
[[ -x $node ]] || node=node
started_pids=()

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_for SECONDS DESCRIPTION COMMAND...: retries COMMAND every 0.5 s until it succeeds.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "timed out after ${seconds}s waiting for: $what" >&2
      return 1
    fi
    sleep 0.5
  done
}

remember_pid() { started_pids+=("$1"); }

stop_started() {
  local pid
  for pid in "${started_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${started_pids[@]}"; do
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  done
  started_pids=()
}

# start_graph DIR: starts the whole graph with its data in DIR; sets GRAPH_PID and the
# *_PORT variables, and waits for "NexusAI graph ready".
start_graph() {
  local dir=$1
  mkdir -p "$dir"
  GATEWAY_PORT=$(free_port) USERS_PORT=$(free_port) COMPANIONS_PORT=$(free_port)
  MODERATION_PORT=$(free_port) ANALYTICS_PORT=$(free_port)
  (
    cd "$root" &&
      exec env GATEWAY_PORT="$GATEWAY_PORT" USERS_PORT="$USERS_PORT" COMPANIONS_PORT="$COMPANIONS_PORT" \
        MODERATION_PORT="$MODERATION_PORT" ANALYTICS_PORT="$ANALYTICS_PORT" DATA_DIR="$dir/data" \
        DATABASE_URL= REDIS_URL= KAFKA_BROKERS= TRUST_PROXY=true LOG_LEVEL="${GRAPH_LOG_LEVEL:-warn}" \
        PASSWORD_MEMORY_KIB=8192 PASSWORD_ITERATIONS=1 OFFLINE_TOKENS_PER_SECOND=12 \
        "$node" dist/scripts/start.js
  ) >"$dir/graph.out" 2>"$dir/graph.err" &
  GRAPH_PID=$!
  remember_pid "$GRAPH_PID"
  if ! wait_for 120 "the graph to be ready" grep -q 'NexusAI graph ready' "$dir/graph.out"; then
    tail -n 30 "$dir/graph.err" >&2
    return 1
  fi
}

stop_graph() {
  kill "$GRAPH_PID" 2>/dev/null || true
  for _ in $(seq 1 80); do kill -0 "$GRAPH_PID" 2>/dev/null || return 0; sleep 0.25; done
  kill -9 "$GRAPH_PID" 2>/dev/null || true
}

# derive_nginx DIR: a self-signed certificate and DIR/nginx.conf, deploy/nginx.conf with only
# its addresses and paths rewritten: upstreams to the graph started by start_graph, listen
# ports to free 127.0.0.1 ports (NGINX_HTTP_PORT, NGINX_HTTPS_PORT, NGINX_STATUS_PORT),
# certificate, temp files and logs under DIR.
derive_nginx() {
  local dir=$1
  mkdir -p "$dir/tls" "$dir/acme"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$dir/tls/privkey.pem" -out "$dir/tls/fullchain.pem" 2>/dev/null || return 1
  NGINX_HTTP_PORT=$(free_port) NGINX_HTTPS_PORT=$(free_port) NGINX_STATUS_PORT=$(free_port)
  # /tmp/ first: the scratch directory itself lives under /tmp.
  sed -e "s|/tmp/|$dir/|" \
    -e "s|listen 80 default_server|listen 127.0.0.1:$NGINX_HTTP_PORT default_server|" \
    -e "s|listen 443 ssl http2 default_server|listen 127.0.0.1:$NGINX_HTTPS_PORT ssl http2 default_server|" \
    -e "s|listen 127.0.0.1:8081|listen 127.0.0.1:$NGINX_STATUS_PORT|" \
    -e "s|server gateway:4000|server 127.0.0.1:$GATEWAY_PORT|" \
    -e "s|server users:4001|server 127.0.0.1:$USERS_PORT|" \
    -e "s|/etc/nginx/tls/|$dir/tls/|" \
    -e "s|/var/www/acme|$dir/acme|" \
    -e "s|/dev/stdout|$dir/access.log|" \
    -e "s|/dev/stderr|$dir/error.log|" \
    "$root/deploy/nginx.conf" >"$dir/nginx.conf"
}

# start_nginx DIR: Debian's nginx with DIR/nginx.conf (from derive_nginx), until it answers.
start_nginx() {
  local dir=$1
  nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log" || return 1
  wait_for 20 "nginx's pid file" test -s "$dir/nginx.pid" || return 1
  wait_for 30 "nginx to answer" curl -sS -o /dev/null --max-time 5 "http://127.0.0.1:$NGINX_STATUS_PORT/nginx-health"
}

stop_nginx() {
  local dir=$1
  [[ -s $dir/nginx.pid ]] || return 0
  local pid
  pid=$(cat "$dir/nginx.pid")
  kill -QUIT "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
}
