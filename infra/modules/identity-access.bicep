// Role assignments of the Function App's system-assigned identity. Data-plane roles only, each scoped to one
// resource: nothing at resource-group or subscription scope, and no management role that could read keys.

@description('Object ID of the Function App\'s system-assigned identity.')
param principalId string

@description('Name of the host storage account (AzureWebJobsStorage and Flex deployment packages).')
param hostStorageAccountName string

@description('Name of the ledger storage account.')
param ledgerStorageAccountName string

@description('Name of the Application Insights component.')
param appInsightsName string

// Built-in role definition IDs (the same in every Azure tenant).
var roleIds = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource hostStorage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: hostStorageAccountName
}

resource ledgerStorage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: ledgerStorageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

// Host storage: blobs for timer locks, keys and (Flex) the deployment package; the host creates its own containers,
// hence Owner rather than Contributor.
resource hostBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, principalId, roleIds.storageBlobDataOwner)
  scope: hostStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Host storage: the host persists its diagnostic events in a table.
resource hostTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, principalId, roleIds.storageTableDataContributor)
  scope: hostStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Ledger: read and write journal entries (with their idempotency records), pools, directory and runs.
resource ledgerTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(ledgerStorage.id, principalId, roleIds.storageTableDataContributor)
  scope: ledgerStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Ledger: write imports, statements and reports. Contributor cannot change or delete immutability policies.
resource ledgerBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(ledgerStorage.id, principalId, roleIds.storageBlobDataContributor)
  scope: ledgerStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageBlobDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Telemetry: the component accepts only Entra-authenticated ingestion.
resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, principalId, roleIds.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
