#!/usr/bin/env bash
# Builds the deployable Function App package, artifacts/finance-functions.zip: the isolated worker published for
# linux-x64 (framework-dependent: the platform's dotnet-isolated 10.0 runtime runs it; ReadyToRun for a faster cold
# start), exactly as `dotnet publish` lays it out: host.json, functions.metadata, worker.config.json, extensions.json,
# .azurefunctions/ and the app's assemblies at the root of the zip.
set -euo pipefail
cd "$(dirname "$0")/.."

out=artifacts/package
zip_path=artifacts/finance-functions.zip
rm -rf "$out" "$zip_path"
mkdir -p "$out"

dotnet publish functions/Finance.Functions/Finance.Functions.csproj \
  --configuration Release --runtime linux-x64 --self-contained false \
  -p:PublishReadyToRun=true -p:DebugType=none \
  --output "$out" --nologo --verbosity quiet

# Zip "." from inside the folder: `zip -r app.zip *` would silently leave out .azurefunctions/.
(cd "$out" && zip -q -r -X "../$(basename "$zip_path")" .)
echo "Package: $zip_path ($(du -h "$zip_path" | cut -f1))"
