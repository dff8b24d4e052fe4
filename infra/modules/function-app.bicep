// The Function App: the Functions host runs our isolated worker (.NET 10, Microsoft.Azure.Functions.Worker), on the
// Flex Consumption plan or, by parameter, Elastic Premium. Linux either way: the package is published for linux-x64.
//
// The runtime is named once per plan, as each plan wants it: Flex Consumption in functionAppConfig.runtime
// { name: 'dotnet-isolated', version: '10.0' } (it refuses FUNCTIONS_WORKER_RUNTIME and linuxFxVersion); Elastic
// Premium by the FUNCTIONS_WORKER_RUNTIME app setting and siteConfig.linuxFxVersion 'DOTNET-ISOLATED|10.0'.
// Check the region offers the version before deploying:
// `az functionapp list-flexconsumption-runtimes --location uksouth --runtime dotnet-isolated`.

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Hosting plan name.')
param planName string

@description('Function App name (also its default host name: <name>.azurewebsites.net).')
param appName string

@description('Flex Consumption (serverless, scales to zero) or Elastic Premium (always-warm instances).')
@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string

@description('Elastic Premium size, used only when hostingPlan is ElasticPremium.')
@allowed([
  'EP1'
  'EP2'
  'EP3'
])
param premiumSku string

@description('Most Elastic Premium instances, used only when hostingPlan is ElasticPremium.')
@minValue(1)
@maxValue(100)
param premiumMaximumElasticWorkerCount int

@description('Most Flex Consumption instances.')
@minValue(40)
@maxValue(1000)
param flexMaximumInstanceCount int

@description('Memory of each Flex Consumption instance.')
@allowed([
  2048
  4096
])
param flexInstanceMemoryMB int

@description('Name of the host storage account (AzureWebJobsStorage, reached by identity).')
param hostStorageAccountName string

@description('Blob endpoint of the host storage account, ending in a slash.')
param hostBlobEndpoint string

@description('Container of the host storage account that receives Flex Consumption deployment packages.')
param deploymentContainerName string

@description('Application Insights component the host reports to.')
param appInsightsName string

@description('Table service endpoint of the ledger storage account.')
param ledgerTableEndpoint string

@description('Blob service endpoint of the ledger storage account.')
param ledgerBlobEndpoint string

@description('Accepted JWT issuer.')
param authIssuer string

@description('Accepted JWT audience.')
param authAudience string

@description('Requests a minute each principal may make before the app answers 429.')
@minValue(1)
param rateLimitPermitsPerMinute int

@description('NCRONTAB (UTC) of the heartbeat timer.')
param heartbeatSchedule string

@description('NCRONTAB (UTC) of the month-end reconciliation timer.')
param closeSchedule string

@description('Working day after month end on which the timer reconciles and auto-closes.')
@minValue(1)
@maxValue(20)
param closeWorkingDay int

@description('Bank holidays (ISO dates) skipped when counting working days.')
param closeBankHolidays array

var isFlex = hostingPlan == 'FlexConsumption'

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

// Settings the app reads (functions/Finance.Functions/Configuration/AppSettings.cs) and the identity-based host
// storage settings. No value here is a credential: storage is reached by managed identity and telemetry by Entra auth.
var commonAppSettings = [
  {
    name: 'AzureWebJobsStorage__accountName'
    value: hostStorageAccountName
  }
  {
    // The system-assigned identity (no client ID given).
    name: 'AzureWebJobsStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: appInsights.properties.ConnectionString
  }
  {
    // The component accepts Entra-authenticated telemetry only (DisableLocalAuth).
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'Authorization=AAD'
  }
  {
    name: 'LedgerStorage__TableServiceUri'
    value: ledgerTableEndpoint
  }
  {
    name: 'LedgerStorage__BlobServiceUri'
    value: ledgerBlobEndpoint
  }
  {
    name: 'Auth__Issuer'
    value: authIssuer
  }
  {
    name: 'Auth__Audience'
    value: authAudience
  }
  {
    name: 'RateLimit__PermitsPerMinute'
    value: string(rateLimitPermitsPerMinute)
  }
  {
    name: 'Heartbeat__Schedule'
    value: heartbeatSchedule
  }
  {
    name: 'Close__Schedule'
    value: closeSchedule
  }
  {
    name: 'Close__WorkingDay'
    value: string(closeWorkingDay)
  }
  {
    name: 'Close__BankHolidays'
    value: join(closeBankHolidays, ',')
  }
]

// Flex Consumption rejects these settings (the runtime is functionAppConfig.runtime, the package comes from the
// deployment container); Elastic Premium needs them.
var premiumOnlyAppSettings = [
  {
    name: 'FUNCTIONS_WORKER_RUNTIME'
    value: 'dotnet-isolated'
  }
  {
    name: 'FUNCTIONS_EXTENSION_VERSION'
    value: '~4'
  }
  {
    // Run from the zip that `az functionapp deployment source config-zip` uploads. There is deliberately no Azure
    // Files content share (WEBSITE_CONTENTAZUREFILECONNECTIONSTRING): it needs an account key, and shared keys are off.
    name: 'WEBSITE_RUN_FROM_PACKAGE'
    value: '1'
  }
]

var flexSiteConfig = {
  appSettings: commonAppSettings
  minTlsVersion: '1.2'
}

var premiumSiteConfig = {
  appSettings: concat(commonAppSettings, premiumOnlyAppSettings)
  linuxFxVersion: 'DOTNET-ISOLATED|10.0'
  minTlsVersion: '1.2'
  ftpsState: 'Disabled'
}

var flexFunctionAppConfig = {
  deployment: {
    storage: {
      type: 'blobContainer'
      value: '${hostBlobEndpoint}${deploymentContainerName}'
      authentication: {
        type: 'SystemAssignedIdentity'
      }
    }
  }
  scaleAndConcurrency: {
    maximumInstanceCount: flexMaximumInstanceCount
    instanceMemoryMB: flexInstanceMemoryMB
  }
  runtime: {
    name: 'dotnet-isolated'
    version: '10.0'
  }
}

var flexPlanSku = {
  name: 'FC1'
  tier: 'FlexConsumption'
}

var premiumPlanSku = {
  name: premiumSku
  tier: 'ElasticPremium'
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: isFlex ? 'functionapp' : 'elastic'
  sku: isFlex ? flexPlanSku : premiumPlanSku
  properties: {
    // Linux.
    reserved: true
    maximumElasticWorkerCount: isFlex ? null : premiumMaximumElasticWorkerCount
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    publicNetworkAccess: 'Enabled'
    functionAppConfig: isFlex ? flexFunctionAppConfig : null
    siteConfig: isFlex ? flexSiteConfig : premiumSiteConfig
  }
}

// No FTP and no basic-auth publishing: deployments authenticate with Entra (az CLI) like everything else.
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName

// The identity's object ID, which the role assignments are made to (an identifier, not a secret).
output principalId string = site.identity.principalId
