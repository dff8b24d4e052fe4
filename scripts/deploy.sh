#!/usr/bin/env bash
# Deploys the pooled-budget ledger to Azure: the infrastructure (infra/main.bicep with the environment's parameter
# file infra/main.<env>.bicepparam) and then the Function App package (artifacts/finance-functions.zip, built by
# scripts/package.sh if missing), then waits for GET /api/health to report healthy.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'USAGE'
Usage: scripts/deploy.sh <dev|prod> <resource-group> [options]

  <dev|prod>         environment: deploys infra/main.bicep with infra/main.<env>.bicepparam
  <resource-group>   an existing resource group, e.g. created with
                       az group create --name rg-finance-dev --location uksouth

Options:
  --infra-only       deploy the Bicep only
  --code-only        deploy the package only (the infrastructure must already exist)
  --rebuild          rebuild the package even when artifacts/finance-functions.zip exists
  --no-health-check  do not wait for /api/health after deploying the package
  -h, --help         show this help

Needs the Azure CLI (2.60 or later) signed in (az login) to the target subscription, as someone who may create
resources and role assignments in the resource group (Owner, or Contributor plus Role Based Access Control
Administrator / User Access Administrator). See the README section "Deploying to Azure".
USAGE
}

fail() {
  echo "deploy: $*" >&2
  exit 1
}

[ $# -ge 1 ] && { [ "$1" = "-h" ] || [ "$1" = "--help" ]; } && { usage; exit 0; }
[ $# -ge 2 ] || { usage >&2; exit 2; }

environment=$1
resource_group=$2
shift 2

deploy_infra=true
deploy_code=true
rebuild=false
health_check=true
while [ $# -gt 0 ]; do
  case "$1" in
    --infra-only) deploy_code=false ;;
    --code-only) deploy_infra=false ;;
    --rebuild) rebuild=true ;;
    --no-health-check) health_check=false ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; fail "unknown option: $1" ;;
  esac
  shift
done
[ "$deploy_infra" = true ] || [ "$deploy_code" = true ] || fail "--infra-only and --code-only together deploy nothing"

case "$environment" in
  dev | prod) ;;
  *) usage >&2; fail "environment must be dev or prod, not '$environment'" ;;
esac

template=infra/main.bicep
parameters=infra/main.$environment.bicepparam
package=artifacts/finance-functions.zip
# One deployment name per environment: --code-only reads the Function App's name from its outputs.
deployment_name=finance-$environment
# Role assignments take a few minutes to reach the storage data plane; the health check waits this long at most.
health_timeout_seconds=600

[ -f "$template" ] || fail "$template not found"
[ -f "$parameters" ] || fail "$parameters not found"

command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is not installed: https://learn.microsoft.com/cli/azure/install-azure-cli"
subscription=$(az account show --query "[name, id]" --output tsv 2>/dev/null | tr '\t' ' ') ||
  fail "the Azure CLI is not signed in: run az login (and az account set --subscription <id>)"
echo "Subscription:   $subscription"

az group show --name "$resource_group" --output none 2>/dev/null ||
  fail "resource group '$resource_group' not found in this subscription (az group create --name $resource_group --location uksouth)"
echo "Resource group: $resource_group"

if [ "$deploy_infra" = true ]; then
  if grep -q 'REPLACE-WITH' "$parameters"; then
    fail "$parameters still has a REPLACE-WITH placeholder: set authAudience to the API app registration's Application (client) ID"
  fi
  echo "Deploying $template with $parameters (deployment '$deployment_name')..."
  # A .bicepparam names its template (using 'main.bicep'): the CLI compiles both with its own Bicep.
  az deployment group create \
    --resource-group "$resource_group" \
    --name "$deployment_name" \
    --parameters "$parameters" \
    --output none
fi

outputs=$(az deployment group show \
  --resource-group "$resource_group" \
  --name "$deployment_name" \
  --query "[properties.outputs.functionAppName.value, properties.outputs.hostingPlan.value, properties.outputs.functionAppUrl.value]" \
  --output tsv 2>/dev/null) || fail "no deployment '$deployment_name' in '$resource_group': deploy the infrastructure first"
read -r app_name hosting_plan app_url <<<"$outputs"
[ -n "$app_name" ] || fail "deployment '$deployment_name' has no functionAppName output"
echo "Function App:   $app_name ($hosting_plan) $app_url"

if [ "$deploy_code" = false ]; then
  exit 0
fi

if [ "$rebuild" = true ] || [ ! -f "$package" ]; then
  echo "Building $package..."
  scripts/package.sh
fi
[ -f "$package" ] || fail "$package was not built"

# The same command serves both plans: on Flex Consumption the CLI uploads to the deployment container (one deploy),
# on Elastic Premium it zip-deploys for WEBSITE_RUN_FROM_PACKAGE=1. Both authenticate with Entra ID (basic-auth
# publishing is disabled on the site).
echo "Deploying $package to $app_name..."
az functionapp deployment source config-zip \
  --resource-group "$resource_group" \
  --name "$app_name" \
  --src "$package" \
  --output none

if [ "$health_check" = false ]; then
  echo "Deployed. Health check skipped."
  exit 0
fi

command -v curl >/dev/null 2>&1 || fail "curl is needed for the health check (or pass --no-health-check)"
echo "Waiting up to $((health_timeout_seconds / 60)) minutes for $app_url/api/health..."
deadline=$((SECONDS + health_timeout_seconds))
while true; do
  body=$(curl --silent --max-time 20 "$app_url/api/health" || true)
  case "$body" in
    *'"healthy"'*)
      echo "Healthy: $body"
      break
      ;;
  esac
  if [ "$SECONDS" -ge "$deadline" ]; then
    fail "the package is deployed but /api/health did not report healthy within $((health_timeout_seconds / 60)) minutes; last answer: ${body:-none}"
  fi
  sleep 15
done
