// The whole Azure deployment of the pooled-budget ledger, into one resource group:
//   monitoring      Log Analytics workspace + Application Insights
//   host storage    the Functions host's own storage and the Flex deployment container (identity only)
//   ledger storage  the ledger's tables and containers, versioned, soft-deleted, statements immutable (identity only)
//   function app    the isolated worker on Flex Consumption (default) or Elastic Premium, system-assigned identity
//   identity access the identity's data roles on the two accounts and on Application Insights
//
// Deploy with scripts/deploy.sh (az deployment group create + zip deploy). Parameter files: main.dev.bicepparam,
// main.prod.bicepparam. Outputs carry names and endpoints only, never keys or connection strings.

targetScope = 'resourceGroup'

@description('Environment, part of every resource name.')
@allowed([
  'dev'
  'prod'
])
param environmentName string

@description('Azure region of every resource.')
param location string = resourceGroup().location

@description('Flex Consumption (serverless; default) or Elastic Premium. See modules/function-app.bicep on the runtime each plan names.')
@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string = 'FlexConsumption'

@description('Elastic Premium size, when hostingPlan is ElasticPremium.')
@allowed([
  'EP1'
  'EP2'
  'EP3'
])
param premiumSku string = 'EP1'

@description('Most Elastic Premium instances, when hostingPlan is ElasticPremium.')
@minValue(1)
@maxValue(100)
param premiumMaximumElasticWorkerCount int = 3

@description('Most Flex Consumption instances.')
@minValue(40)
@maxValue(1000)
param flexMaximumInstanceCount int = 40

@description('Memory of each Flex Consumption instance.')
@allowed([
  2048
  4096
])
param flexInstanceMemoryMB int = 2048

@description('Replication of the ledger storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGZRS'
])
param ledgerStorageSku string = 'Standard_LRS'

@description('Days a deleted or overwritten ledger blob or container can be restored.')
@minValue(1)
@maxValue(365)
param ledgerSoftDeleteRetentionDays int = 7

@description('Days each frozen month-end statement stays immutable after it is written.')
@minValue(1)
@maxValue(146000)
param statementsRetentionDays int = 1

@description('True once the statements immutability policy has been locked; the deployment then leaves it alone.')
param statementsRetentionLocked bool = false

@description('Days Log Analytics keeps data.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Accepted JWT issuer: the Entra ID tenant\'s v2.0 issuer by default.')
param authIssuer string = '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'

@description('Accepted JWT audience: the API app registration\'s Application (client) ID (the aud claim of v2.0 access tokens).')
@minLength(1)
param authAudience string

@description('Requests a minute each principal may make before the app answers 429 (those without a valid token share one allowance).')
@minValue(1)
param rateLimitPermitsPerMinute int = 600

@description('NCRONTAB (UTC) of the heartbeat timer.')
param heartbeatSchedule string = '0 */5 * * * *'

@description('NCRONTAB (UTC) of the month-end reconciliation timer; daily 06:00 by default.')
param closeSchedule string = '0 0 6 * * *'

@description('Working day after month end on which the timer reconciles and auto-closes.')
@minValue(1)
@maxValue(20)
param closeWorkingDay int = 5

@description('Bank holidays in England (ISO dates) skipped when counting working days.')
param closeBankHolidays array = []

@description('Tags applied to every resource.')
param tags object = {}

// uniqueString keeps global names (storage accounts, the app's host name) unique per resource group and environment.
var suffix = uniqueString(resourceGroup().id, environmentName)
var allTags = union(tags, {
  application: 'pooled-budget-ledger'
  environment: environmentName
})
// The app name stays within 32 characters (func-finance-prod- + 13): the Functions host derives its host ID from the
// first 32, and two apps sharing a host storage account must not collide there.
var names = {
  logAnalytics: 'log-finance-${environmentName}-${suffix}'
  appInsights: 'appi-finance-${environmentName}-${suffix}'
  plan: 'plan-finance-${environmentName}-${suffix}'
  functionApp: 'func-finance-${environmentName}-${suffix}'
  // 9 + 13 and 11 + 13 characters: within the 24 a storage account name allows.
  hostStorage: 'stfinhost${suffix}'
  ledgerStorage: 'stfinledger${suffix}'
}
var deploymentContainerName = 'app-package'

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: allTags
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    retentionInDays: logRetentionInDays
  }
}

module hostStorage 'modules/host-storage.bicep' = {
  name: 'host-storage'
  params: {
    location: location
    tags: allTags
    name: names.hostStorage
    deploymentContainerName: deploymentContainerName
  }
}

module ledgerStorage 'modules/ledger-storage.bicep' = {
  name: 'ledger-storage'
  params: {
    location: location
    tags: allTags
    name: names.ledgerStorage
    skuName: ledgerStorageSku
    softDeleteRetentionDays: ledgerSoftDeleteRetentionDays
    statementsRetentionDays: statementsRetentionDays
    statementsRetentionLocked: statementsRetentionLocked
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  params: {
    location: location
    tags: allTags
    planName: names.plan
    appName: names.functionApp
    hostingPlan: hostingPlan
    premiumSku: premiumSku
    premiumMaximumElasticWorkerCount: premiumMaximumElasticWorkerCount
    flexMaximumInstanceCount: flexMaximumInstanceCount
    flexInstanceMemoryMB: flexInstanceMemoryMB
    hostStorageAccountName: hostStorage.outputs.name
    hostBlobEndpoint: hostStorage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    appInsightsName: monitoring.outputs.appInsightsName
    ledgerTableEndpoint: ledgerStorage.outputs.tableEndpoint
    ledgerBlobEndpoint: ledgerStorage.outputs.blobEndpoint
    authIssuer: authIssuer
    authAudience: authAudience
    rateLimitPermitsPerMinute: rateLimitPermitsPerMinute
    heartbeatSchedule: heartbeatSchedule
    closeSchedule: closeSchedule
    closeWorkingDay: closeWorkingDay
    closeBankHolidays: closeBankHolidays
  }
}

module identityAccess 'modules/identity-access.bicep' = {
  name: 'identity-access'
  params: {
    principalId: functionApp.outputs.principalId
    hostStorageAccountName: hostStorage.outputs.name
    ledgerStorageAccountName: ledgerStorage.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = 'https://${functionApp.outputs.defaultHostName}'
output functionAppPrincipalId string = functionApp.outputs.principalId
output hostingPlan string = hostingPlan
output hostStorageAccountName string = hostStorage.outputs.name
output ledgerStorageAccountName string = ledgerStorage.outputs.name
output ledgerTableEndpoint string = ledgerStorage.outputs.tableEndpoint
output ledgerBlobEndpoint string = ledgerStorage.outputs.blobEndpoint
