namespace Finance.Storage.Http;

/// <summary>The two storage services this library speaks; they differ in Shared Key canonicalisation and versions.</summary>
internal enum StorageService
{
    Table,
    Blob,
}
