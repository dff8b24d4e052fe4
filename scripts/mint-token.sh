#!/usr/bin/env bash
# Prints a development token for the local app (scripts/run-local.sh), for a chosen user, organisations and roles:
#   scripts/mint-token.sh --user alice [--org riverside-council]... [--role FinanceLead]... [--minutes 60]
# Users the demo seeds (ada, priya, alice, hamid, pat, audrey) get their organisations and roles from the directory,
# so --user is enough for them. Settings come from the environment, then local.settings.json, then
# local.settings.sample.json; the tool refuses to mint outside the Development environment.
set -euo pipefail
cd "$(dirname "$0")/.."

settings=local.settings.json
[ -f "$settings" ] || settings=local.settings.sample.json
eval "$(node -e '
  const values = require("./" + process.argv[1]).Values || {};
  for (const [k, v] of Object.entries(values)) {
    if (process.env[k] === undefined) console.log(`export ${k}=${JSON.stringify(String(v))}`);
  }' "$settings")"
export AZURE_FUNCTIONS_ENVIRONMENT="${AZURE_FUNCTIONS_ENVIRONMENT:-Development}"

app=tools/Finance.DevTools/bin/Debug/net10.0/Finance.DevTools.dll
if [ ! -f "$app" ]; then
  dotnet build tools/Finance.DevTools/Finance.DevTools.csproj --nologo --verbosity quiet >&2
fi
exec dotnet "$app" mint-token "$@"
