#!/usr/bin/env bash
# Redis for the test suite, from Debian's packages, on 127.0.0.1:6379.
#
#   scripts/services/redis.sh start|stop|status
#
# Env: NEXUS_SERVICES_DIR (default $HOME/.cache/nexus-services) holds the
# working dir, log and pid file of a Redis started by this script.
# Nothing is persisted (--save "" --appendonly no): test data is throw-away.
set -euo pipefail

readonly HOST=127.0.0.1
readonly PORT=6379
readonly READY_TIMEOUT=30
readonly STATE_DIR="${NEXUS_SERVICES_DIR:-$HOME/.cache/nexus-services}/redis"
readonly PID_FILE="$STATE_DIR/redis.pid"
readonly LOG_FILE="$STATE_DIR/redis.log"

log() { echo "redis: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
as_root() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo -n "$@"; fi; }

ensure_installed() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return
  log "redis-server/redis-cli missing; installing with apt-get"
  as_root apt-get update -qq >&2
  # Note: the package's postinst may itself start a Redis on 6379 (init script);
  # start() then just finds it answering.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >&2
}

is_ready() {
  command -v redis-cli >/dev/null || return 1
  [[ $(timeout 5 redis-cli -h "$HOST" -p "$PORT" ping 2>/dev/null) == PONG ]]
}

start() {
  if ! is_ready; then
    ensure_installed
    mkdir -p "$STATE_DIR"
    log "starting redis-server on $HOST:$PORT"
    redis-server --daemonize yes --bind "$HOST" --port "$PORT" \
      --save "" --appendonly no \
      --dir "$STATE_DIR" --logfile "$LOG_FILE" --pidfile "$PID_FILE" >&2
    local deadline=$((SECONDS + READY_TIMEOUT))
    until is_ready; do
      if ((SECONDS >= deadline)); then
        [[ -r $LOG_FILE ]] && tail -n 20 "$LOG_FILE" >&2
        die "no PONG from $HOST:$PORT after ${READY_TIMEOUT}s"
      fi
      sleep 0.5
    done
  fi
  echo "redis: ready on $HOST:$PORT"
}

stop() {
  if is_ready; then
    # SHUTDOWN works for any Redis on the port, including one started by the
    # machine's own boot scripts rather than by us. NOSAVE: nothing to keep.
    timeout 10 redis-cli -h "$HOST" -p "$PORT" shutdown nosave >/dev/null 2>&1 || true
    local deadline=$((SECONDS + 15))
    while is_ready; do
      ((SECONDS < deadline)) || break
      sleep 0.2
    done
  fi
  # Fallback if SHUTDOWN was refused (e.g. it needs AUTH): our own pid file.
  if is_ready && [[ -r $PID_FILE ]]; then
    kill "$(cat "$PID_FILE")" 2>/dev/null || true
    sleep 1
  fi
  is_ready && die "Redis on $HOST:$PORT is still answering"
  rm -f "$PID_FILE"
  echo "redis: stopped"
}

status() {
  if is_ready; then
    echo "redis: ready on $HOST:$PORT"
  else
    echo "redis: not running"
    return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
