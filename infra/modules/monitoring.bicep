// Log Analytics workspace and the workspace-based Application Insights the Functions host reports to.

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Log Analytics workspace name.')
param logAnalyticsName string

@description('Application Insights component name.')
param appInsightsName string

@description('Days Log Analytics keeps data.')
@minValue(30)
@maxValue(730)
param retentionInDays int

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    // Telemetry is accepted only from Entra-authenticated senders (the app's managed identity, with the Monitoring
    // Metrics Publisher role), so the connection string in the app settings is an address, not a credential.
    DisableLocalAuth: true
  }
}

// Only the name leaves this module: the Function App module reads the connection string from the component itself,
// so no deployment output (visible in the resource group's deployment history) carries it.
output appInsightsName string = appInsights.name
