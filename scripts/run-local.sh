#!/usr/bin/env bash
# Runs the function app locally as Azure runs it: the isolated worker (built in Debug) behind the local Functions host
# (tools/Finance.LocalHost, which starts the worker, speaks gRPC to it, forwards HTTP, checks function keys and fires
# the timers on their schedules), on Azurite, with demo data seeded through the API.
#
#   scripts/run-local.sh [--port 7071] [--no-seed]
#
# Settings: the environment, then local.settings.json, then local.settings.sample.json. Azurite is started (data kept
# under .azurite/) when the ledger storage is UseDevelopmentStorage=true and nothing listens on its ports. The function
# key is $LOCAL_FUNCTION_KEY (default local-function-key), the master key $LOCAL_MASTER_KEY (default local-master-key).
set -euo pipefail
cd "$(dirname "$0")/.."

port=7071
seed=true
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2; shift ;;
    --no-seed) seed=false ;;
    -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "run-local: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
function_key="${LOCAL_FUNCTION_KEY:-local-function-key}"
master_key="${LOCAL_MASTER_KEY:-local-master-key}"

if [ ! -d node_modules/azurite ]; then
  npm ci --no-audit --no-fund
fi

settings=local.settings.json
[ -f "$settings" ] || settings=local.settings.sample.json
# Export each setting the environment does not already set: the host passes the environment on to the worker (app
# settings are the worker's environment in Azure too) and resolves %Name% in timer schedules from it.
eval "$(node -e '
  const values = require("./" + process.argv[1]).Values || {};
  for (const [k, v] of Object.entries(values)) {
    if (process.env[k] === undefined) console.log(`export ${k}=${JSON.stringify(String(v))}`);
  }' "$settings")"
export AZURE_FUNCTIONS_ENVIRONMENT="${AZURE_FUNCTIONS_ENVIRONMENT:-Development}"

pids=()
# Stops what this script started: SIGTERM first (the host sends the worker WorkerTerminate; Azurite closes its
# services and flushes .azurite/), then, after 10 s, SIGKILL for anything still there (Azurite 3.37's process can stay
# alive after closing its services).
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=false
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=true; done
    [ "$alive" = true ] || break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
}
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

# The development tools reference the function app, so this builds the worker too.
dotnet build tools/Finance.DevTools/Finance.DevTools.csproj --nologo --verbosity quiet
dotnet build tools/Finance.LocalHost/Finance.LocalHost.csproj --nologo --verbosity quiet
dotnet tools/Finance.LocalHost/bin/Debug/net10.0/Finance.LocalHost.dll \
  --app functions/Finance.Functions/bin/Debug/net10.0 --port "$port" \
  --function-key "$function_key" --master-key "$master_key" &
pids+=($!)

healthy=false
for _ in $(seq 1 300); do
  if curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1; then healthy=true; break; fi
  kill -0 "${pids[-1]}" 2>/dev/null || break
  sleep 0.2
done
[ "$healthy" = true ] || { echo "The app did not become healthy on port $port (see the host's log above)."; exit 1; }
curl -fsS "http://127.0.0.1:$port/api/health"
echo
if [ "$seed" = true ]; then
  # Through the API, with a development Administrator token (Development environment, development issuer).
  dotnet tools/Finance.DevTools/bin/Debug/net10.0/Finance.DevTools.dll seed-demo "http://127.0.0.1:$port/" "$function_key"
fi

cat <<MSG

The function app is running on http://127.0.0.1:$port behind the local Functions host (Ctrl-C stops both, and the
Azurite it started). Every function but health needs the function key, and a token; scripts/mint-token.sh mints
development ones (demo users: ada, priya, alice, hamid, pat, audrey):
  curl http://127.0.0.1:$port/api/health
  curl -H "x-functions-key: $function_key" -H "Authorization: Bearer \$(scripts/mint-token.sh --user pat)" \\
    http://127.0.0.1:$port/api/pools/riverside-place
Timers fire on their schedules; the host's admin API, with the master key, fires one now:
  curl -X POST -H "x-functions-key: $master_key" -H "Content-Type: application/json" -d '{"input":""}' \\
    http://127.0.0.1:$port/admin/functions/Heartbeat
MSG
wait "${pids[-1]}"
