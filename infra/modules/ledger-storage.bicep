// Storage account of the ledger: the tables the app writes journal entries and set-up to, and the blob containers of
// raw imports, frozen month-end statements and reports. The table and container names are the app's own
// (functions/Finance.Functions/Configuration/StorageNames.cs); the infrastructure tests check the two lists agree.

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Storage account name (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Replication of the ledger account. Zone- or geo-redundant in production.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGZRS'
])
param skuName string

@description('Days a deleted or overwritten blob (and a deleted container) can be restored.')
@minValue(1)
@maxValue(365)
param softDeleteRetentionDays int

@description('Days each frozen statement stays immutable (write once, read many) after it is written.')
@minValue(1)
@maxValue(146000)
param statementsRetentionDays int

@description('True once the statements immutability policy has been locked (az storage container immutability-policy lock). A locked policy can be extended but not replaced, so the deployment then leaves it alone.')
param statementsRetentionLocked bool

var tableNames = [
  'Pools'
  'Ledger'
  'Directory'
  'Runs'
]

// The statements container is declared on its own below: it alone carries the immutability policy.
var mutableContainerNames = [
  'imports'
  'reports'
]

resource account 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    // Only Entra identities with data roles reach the ledger; there is no key to leak or rotate.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowCrossTenantReplication: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: account
  name: 'default'
  properties: {
    // Every overwrite keeps the previous version; version-level immutability on the statements container needs it.
    isVersioningEnabled: true
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteRetentionDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteRetentionDays
    }
    // An audit trail of every blob change, kept as long as deleted blobs are.
    changeFeed: {
      enabled: true
      retentionInDays: softDeleteRetentionDays
    }
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2024-01-01' = {
  parent: account
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2024-01-01' = [
  for tableName in tableNames: {
    parent: tableService
    name: tableName
  }
]

resource mutableContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = [
  for containerName in mutableContainerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

resource statementsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: 'statements'
  properties: {
    publicAccess: 'None'
    // Version-level WORM (set when the container is created): each statement version inherits the default policy
    // below, so a frozen statement can be neither overwritten nor deleted until its retention ends.
    immutableStorageWithVersioning: {
      enabled: true
    }
  }
}

// Time-based retention, created unlocked so it can be tried in dev. Lock it in production after review; from then on
// it can only be extended, and statementsRetentionLocked tells this deployment not to touch it.
resource statementsRetention 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2024-01-01' = if (!statementsRetentionLocked) {
  parent: statementsContainer
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: statementsRetentionDays
    allowProtectedAppendWrites: false
  }
}

output name string = account.name
output tableEndpoint string = account.properties.primaryEndpoints.table
output blobEndpoint string = account.properties.primaryEndpoints.blob
