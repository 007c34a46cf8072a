#!/usr/bin/env bash
# Starts/stops/checks every backing service of the test suite, in order:
# postgres, redis, kafka (stop goes in reverse). Each prints one line, e.g.
#   postgres: ready on 127.0.0.1:5432
# All of them are attempted even if one fails; the exit code is non-zero if any
# failed (for status: if any is not ready).
#
#   scripts/services/all.sh start|stop|status
#
# Env: NEXUS_SERVICES_DIR, NEXUS_KAFKA_VERSION (see the individual scripts).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

case "${1:-}" in
  start | status) services=(postgres redis kafka) ;;
  stop) services=(kafka redis postgres) ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

failed=()
for svc in "${services[@]}"; do
  if ! "$here/$svc.sh" "$1"; then
    failed+=("$svc")
    # start/stop print their line only on success; status always prints one.
    [[ $1 == status ]] || echo "$svc: FAILED ($1)"
  fi
done

if ((${#failed[@]})); then
  echo "services failed: ${failed[*]}" >&2
  exit 1
fi
