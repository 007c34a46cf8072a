#!/usr/bin/env bash
# The production set, run for real (issue 10): every check under deploy/checks and monitoring/
# with the real tools, each against what it describes. Needs `npm run build` first (dist/).
# Exit code non-zero if any check fails; each check prints its own PASS/FAIL lines.
#   bash deploy/checks/all.sh            # all checks
#   bash deploy/checks/all.sh nginx      # only the named ones
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
export PATH="$PWD/node_modules/.bin:$PATH"
bash deploy/checks/install.sh || exit 1

checks=("$@")
((${#checks[@]})) || checks=(nginx monitoring dockerfile compose kubernetes workflow)
results=()
status=0
for check in "${checks[@]}"; do
  began=$SECONDS
  printf '\n---- %s\n' "$check"
  if bash "deploy/checks/$check.sh"; then results+=("PASS  $check ($((SECONDS - began)) s)"); else
    results+=("FAIL  $check ($((SECONDS - began)) s)")
    status=1
  fi
done
printf '\n'
printf '%s\n' "${results[@]}"
exit "$status"
