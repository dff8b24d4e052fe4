// Parameters of the prod deployment: scripts/deploy.sh prod <resource-group> deploys main.bicep with this file
// (az deployment group create --parameters infra/main.prod.bicepparam). The compiler checks every name and value
// against main.bicep's declarations: bicep build-params infra/main.prod.bicepparam.
using 'main.bicep'

param environmentName = 'prod'

param location = 'uksouth'

param hostingPlan = 'FlexConsumption'

param flexMaximumInstanceCount = 100

param ledgerStorageSku = 'Standard_GZRS'

param ledgerSoftDeleteRetentionDays = 90

param statementsRetentionDays = 2557

// Set to true once the statements retention is locked (README, "After the first production deployment").
param statementsRetentionLocked = false

param logRetentionInDays = 90

// The API app registration's Application (client) ID; deploy.sh refuses to run while the placeholder is here.
param authAudience = 'REPLACE-WITH-PROD-API-CLIENT-ID'

param closeSchedule = '0 0 6 * * *'

param closeWorkingDay = 5

// England's bank holidays; add the next year's each autumn and redeploy with --infra-only.
param closeBankHolidays = [
  '2026-01-01'
  '2026-04-03'
  '2026-04-06'
  '2026-05-04'
  '2026-05-25'
  '2026-08-31'
  '2026-12-25'
  '2026-12-28'
  '2027-01-01'
  '2027-03-26'
  '2027-03-29'
  '2027-05-03'
  '2027-05-31'
  '2027-08-30'
  '2027-12-27'
  '2027-12-28'
]

param tags = {
  costCentre: 'finance-prod'
}
