#!/usr/bin/env bash
# Runs every test: installs Azurite from package-lock.json and LibreOffice from Debian if missing, builds the deployable package (its layout is
# tested), then runs the solution's tests; the infrastructure tests run the Bicep CLI that dotnet restore brings from
# NuGet. Ends with a plain line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules/azurite ]; then
  npm ci --no-audit --no-fund || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi

if ! command -v soffice >/dev/null 2>&1; then
  # The workbook tests open a statement in LibreOffice as a partner would: Debian's libreoffice-calc-nogui.
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libreoffice-calc-nogui; } >/dev/null 2>&1 \
    || echo "LibreOffice could not be installed; the workbook's LibreOffice test will say so"
fi

if ! scripts/package.sh; then
  echo "Packaging failed"
  echo "0 passed, 1 failed"
  exit 1
fi

log=$(mktemp)
dotnet test Finance.sln --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Each test project prints one summary: "Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12, ...".
read -r passed failed < <(grep -E '^(Passed|Failed)!' "$log" \
  | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+).*/\2 \1/' \
  | awk '{p+=$1; f+=$2} END {print p+0, f+0}')
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The build or a test host failed without a test failing: count it, so the line never reads green.
  failed=1
fi
echo "$passed passed, $failed failed"
exit "$status"
