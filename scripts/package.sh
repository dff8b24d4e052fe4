#!/usr/bin/env bash
# Builds the deployable Function App package: artifacts/finance-functions.zip holding host.json, one folder per
# function with its function.json, and the handler published self-contained for linux-x64 with ReadyToRun.
set -euo pipefail
cd "$(dirname "$0")/.."

out=artifacts/package
zip_path=artifacts/finance-functions.zip
rm -rf "$out" "$zip_path"
mkdir -p "$out"

dotnet publish functions/Finance.Functions/Finance.Functions.csproj \
  --configuration Release --runtime linux-x64 --self-contained true \
  -p:PublishReadyToRun=true -p:DebugType=none \
  --output "$out/handler" --nologo --verbosity quiet

cp host.json "$out/host.json"
# The function.json files come from the same declarations that map the handler's routes.
"$out/handler/Finance.Functions" write-function-metadata "$out"

(cd "$out" && zip -q -r -X "../$(basename "$zip_path")" .)
echo "Package: $zip_path ($(du -h "$zip_path" | cut -f1))"
