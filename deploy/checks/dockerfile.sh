#!/usr/bin/env bash
# deploy/Dockerfile without Docker (no engine runs on CI's machine): replays its build stage
# on exactly the files its COPY lines name (deploy/checks/dockerfile_replay.py), checks the
# result holds every entry point and no test, assembles the runtime stage's layout, starts
# the graph from it and runs the image's HEALTHCHECK command against it (and once more
# after stopping it, when it must fail).
#   bash deploy/checks/dockerfile.sh
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$root" || exit 1
failed=0
passed=0
ok() { echo "PASS  $*"; passed=$((passed + 1)); }
bad() { echo "FAIL  $*"; failed=$((failed + 1)); }
scratch=$(mktemp -d /tmp/dockerfile-check.XXXXXX)
trap 'stop_started; rm -rf "$scratch"' EXIT

build="$scratch/build"
mkdir -p "$build"
if python3 deploy/checks/dockerfile_replay.py deploy/Dockerfile build "$build"; then
  ok "build stage replayed: COPY of the named files, then its RUN commands"
else
  bad "build stage failed"
fi
entries=(dist/gateway/main.js dist/subgraphs/users/main.js dist/subgraphs/companions/main.js
  dist/subgraphs/moderation/main.js dist/subgraphs/analytics/main.js dist/scripts/start.js)
missing=()
for entry in "${entries[@]}"; do [[ -f $build/$entry ]] || missing+=("$entry"); done
((${#missing[@]} == 0)) && ok "entry points built: ${#entries[@]}" || bad "missing from dist: ${missing[*]}"
tests=$(find "$build/dist" -name '*.test.js' 2>/dev/null | wc -l)
((tests == 0)) && ok "no test file in dist" || bad "$tests test files in dist"

# The runtime stage's layout: package.json, dist, schema, the healthcheck (node_modules: the
# deps stage's production install; the repository's stands in for it here).
app="$scratch/app"
mkdir -p "$app/deploy"
cp package.json "$app/" && cp -r "$build/dist" "$app/" && cp -r schema "$app/" &&
  cp deploy/healthcheck.mjs "$app/deploy/" && ln -s "$root/node_modules" "$app/node_modules"
saved_root=$root
root=$app
if start_graph "$scratch/graph"; then
  ok "the image's layout starts the graph (dist/scripts/start.js)"
else
  bad "the graph did not start from the image's layout"
fi
root=$saved_root
healthcheck() { (cd "$app" && HEALTHCHECK_PORT=$GATEWAY_PORT "$node" deploy/healthcheck.mjs /health/live); }
if healthcheck; then ok "HEALTHCHECK command passes against the running gateway"; else bad "HEALTHCHECK failed on a live gateway"; fi
stop_graph
if healthcheck 2>/dev/null; then bad "HEALTHCHECK passed with the gateway stopped"; else ok "HEALTHCHECK fails once the gateway is stopped"; fi

echo
echo "deploy/checks/dockerfile.sh: $passed passed, $failed failed"
((failed == 0))
