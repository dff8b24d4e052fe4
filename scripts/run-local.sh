#!/usr/bin/env bash
# Runs the function app locally the way the Functions host would start the handler, against Azurite, with demo data.
# Settings come from the environment, then local.settings.json, then local.settings.sample.json.
# Starts Azurite (data kept under .azurite/) when the ledger storage is UseDevelopmentStorage=true and nothing listens.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules/azurite ]; then
  npm ci --no-audit --no-fund
fi

settings=local.settings.json
[ -f "$settings" ] || settings=local.settings.sample.json
# Export each setting the environment does not already set.
eval "$(node -e '
  const values = require("./" + process.argv[1]).Values || {};
  for (const [k, v] of Object.entries(values)) {
    if (process.env[k] === undefined) console.log(`export ${k}=${JSON.stringify(String(v))}`);
  }' "$settings")"
# No Functions host runs here, so the handler fires its own timers on their schedules (a local.settings.json written
# before this setting existed lacks it; the environment can still turn it off with Timers__RunInProcess=false).
export Timers__RunInProcess="${Timers__RunInProcess:-true}"
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
port="${FUNCTIONS_CUSTOMHANDLER_PORT:-7071}"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [ "${LedgerStorage__ConnectionString:-}" = "UseDevelopmentStorage=true" ]; then
  if listening 10002 && listening 10000; then
    echo "Azurite (or another storage emulator) already listens on 10000/10002; using it."
  else
    mkdir -p .azurite
    node node_modules/azurite/dist/src/azurite.js --location .azurite --silent \
      --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 > .azurite/azurite.log 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do listening 10002 && listening 10000 && break; sleep 0.2; done
    listening 10002 || { echo "Azurite did not start; see .azurite/azurite.log"; exit 1; }
    echo "Started Azurite (data in .azurite/)."
  fi
fi

dotnet build functions/Finance.Functions/Finance.Functions.csproj --nologo --verbosity quiet
app=functions/Finance.Functions/bin/Debug/net10.0/Finance.Functions.dll
dotnet "$app" &
pids+=($!)

for _ in $(seq 1 150); do
  curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/api/health" || { echo "The app did not become healthy."; exit 1; }
echo
# Seeds through the API with a development Administrator token (ASPNETCORE_ENVIRONMENT=Development, development issuer).
dotnet "$app" seed-demo "http://127.0.0.1:$port/"

cat <<MSG

The function app is running on http://127.0.0.1:$port (Ctrl-C stops it and the Azurite it started).
Timers fire on their schedules in process (Timers__RunInProcess=$Timers__RunInProcess), as the Functions host would fire them.
Every function but health needs a token; scripts/mint-token.sh mints development ones (demo users: ada, priya,
alice, hamid, pat, audrey):
  curl http://127.0.0.1:$port/api/health
  curl -H "Authorization: Bearer \$(scripts/mint-token.sh --user pat)" http://127.0.0.1:$port/api/pools/riverside-place
MSG
wait "${pids[-1]}"
