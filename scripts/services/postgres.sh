#!/usr/bin/env bash
# PostgreSQL for the test suite, from Debian's packages, on 127.0.0.1:5432.
#
#   scripts/services/postgres.sh start|stop|status
#
# The app connects with postgres://postgres:postgres@127.0.0.1:5432/postgres.
# Auth choice: we never edit pg_hba.conf. Instead `start` checks that exactly
# that URL works; if it doesn't (pg_hba is not `trust` for 127.0.0.1, as with
# Debian's default scram-sha-256), it sets the password of role `postgres` to
# `postgres` over the local Unix socket (peer auth as the postgres OS user).
# With trust auth (this machine's default) any password works and nothing is
# changed.
#
# There is no systemd here, so clusters are driven with
# `pg_ctlcluster --skip-systemctl-redirect`. The Debian cluster tools are used on
# purpose: /usr/local/bin may hold pg_ctl/initdb of some other version.
set -euo pipefail

readonly PG_HOST=127.0.0.1
readonly PG_PORT=5432
readonly READY_TIMEOUT=60

log() { echo "postgres: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Run as root (directly, or through sudo when invoked by a normal user).
as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"; else sudo -n "$@"; fi
}
# Run as the postgres OS user (peer auth over the Unix socket).
as_postgres() {
  if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else sudo -n -u postgres "$@"; fi
}

ensure_installed() {
  if command -v pg_lsclusters >/dev/null && command -v pg_ctlcluster >/dev/null &&
     command -v pg_isready >/dev/null && compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
    return
  fi
  log "PostgreSQL server packages missing; installing with apt-get"
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
}

is_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1; }

# Prints "<version> <name> <status>" of the Debian cluster configured for our port.
cluster_on_port() {
  pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p { print $1, $2, $4; exit }'
}

# Creates a cluster with the newest installed server version. Named `main`
# unless that name is already taken (by a cluster on some other port).
create_cluster() {
  local ver name=main
  ver=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n1)
  [[ -n $ver ]] || die "no server version under /usr/lib/postgresql"
  if [[ -d /etc/postgresql/$ver/$name ]]; then name=nexus; fi
  log "creating cluster $ver/$name on $PG_HOST:$PG_PORT"
  as_root pg_createcluster --port "$PG_PORT" --start-conf=manual "$ver" "$name" >&2
  # Listen on IPv4 loopback only. Done via conf.d (included by Debian's
  # postgresql.conf) because pg_createcluster -o mangles quoting of an address.
  echo "listen_addresses = '$PG_HOST'" |
    as_root tee "/etc/postgresql/$ver/$name/conf.d/nexus-listen.conf" >/dev/null
}

wait_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT))
  until is_ready; do
    if ((SECONDS >= deadline)); then
      log "pg_isready -h $PG_HOST -p $PG_PORT still failing after ${READY_TIMEOUT}s"
      local logf
      logf=$(pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p { print $7; exit }')
      [[ -n ${logf:-} && -r $logf ]] && tail -n 20 "$logf" >&2
      die "PostgreSQL did not become ready"
    fi
    sleep 1
  done
}

# Makes postgres://postgres:postgres@127.0.0.1:5432/postgres work (see header).
ensure_auth() {
  if PGPASSWORD=postgres PGCONNECT_TIMEOUT=5 psql -w -h "$PG_HOST" -p "$PG_PORT" -U postgres \
       -d postgres -tAqc 'select 1' >/dev/null 2>&1; then
    return
  fi
  log "password login as postgres failed; setting password 'postgres' for role postgres"
  as_postgres psql -p "$PG_PORT" -d postgres -qc "ALTER USER postgres PASSWORD 'postgres'" >&2
  PGPASSWORD=postgres PGCONNECT_TIMEOUT=5 psql -w -h "$PG_HOST" -p "$PG_PORT" -U postgres \
    -d postgres -tAqc 'select 1' >/dev/null ||
    die "still cannot log in as postgres/postgres on $PG_HOST:$PG_PORT (check pg_hba.conf)"
}

start() {
  if ! is_ready; then
    ensure_installed
    local ver name status
    read -r ver name status <<<"$(cluster_on_port)" || true
    if [[ -z ${ver:-} ]]; then
      create_cluster
      read -r ver name status <<<"$(cluster_on_port)" || true
      [[ -n ${ver:-} ]] || die "cluster creation did not yield a cluster on port $PG_PORT"
    fi
    if [[ $status != online ]]; then
      # The socket dir lives on tmpfs on a real host; recreate it if it vanished.
      as_root install -d -o postgres -g postgres -m 2775 /var/run/postgresql
      log "starting cluster $ver/$name"
      as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start >&2
    fi
    wait_ready
  fi
  ensure_auth
  echo "postgres: ready on $PG_HOST:$PG_PORT"
}

stop() {
  local ver name status
  read -r ver name status <<<"$(cluster_on_port)" || true
  if [[ -n ${ver:-} && $status == online ]]; then
    as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" stop >&2
  elif is_ready; then
    die "something answers on $PG_HOST:$PG_PORT but it is no Debian cluster; not stopping it"
  fi
  echo "postgres: stopped"
}

status() {
  if is_ready; then
    echo "postgres: ready on $PG_HOST:$PG_PORT"
  else
    echo "postgres: not running"
    return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
