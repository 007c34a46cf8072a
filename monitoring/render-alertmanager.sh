#!/bin/sh
# Fills monitoring/alertmanager.yml's placeholders from the environment (POSIX sh and sed only,
# so it runs in the Alertmanager image) and refuses to render with a variable unset.
#   render-alertmanager.sh TEMPLATE OUTPUT
set -eu
template=$1
output=$2
missing=""
script=""
for name in $(grep -o '\${[A-Z_][A-Z0-9_]*}' "$template" | sort -u | tr -d '${}'); do
  value=$(printenv "$name" || true)
  if [ -z "$value" ]; then missing="$missing $name"; continue; fi
  # Placeholders sit in single-quoted YAML strings: a quote doubles. Then sed's replacement
  # specials (\ & |) are escaped.
  escaped=$(printf '%s' "$value" | sed "s/'/''/g" | sed 's/[\\&|]/\\&/g')
  script="${script}s|\${$name}|$escaped|g;"
done
if [ -n "$missing" ]; then
  echo "render-alertmanager: unset variables:$missing" >&2
  exit 1
fi
sed "$script" "$template" >"$output"
