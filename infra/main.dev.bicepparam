// Parameters of the dev deployment: scripts/deploy.sh dev <resource-group> deploys main.bicep with this file
// (az deployment group create --parameters infra/main.dev.bicepparam). The compiler checks every name and value
// against main.bicep's declarations: bicep build-params infra/main.dev.bicepparam.
using 'main.bicep'

param environmentName = 'dev'

param location = 'uksouth'

param hostingPlan = 'FlexConsumption'

param flexMaximumInstanceCount = 40

param ledgerStorageSku = 'Standard_LRS'

param ledgerSoftDeleteRetentionDays = 7

param statementsRetentionDays = 1

// Set to true once the statements retention is locked (README, "After the first production deployment").
param statementsRetentionLocked = false

param logRetentionInDays = 30

// The API app registration's Application (client) ID; deploy.sh refuses to run while the placeholder is here.
param authAudience = 'REPLACE-WITH-DEV-API-CLIENT-ID'

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
  costCentre: 'finance-dev'
}
