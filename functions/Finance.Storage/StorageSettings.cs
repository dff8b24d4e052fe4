using Microsoft.Extensions.Configuration;

namespace Finance.Storage;

/// <summary>
/// Where the ledger's storage account is, read from configuration: a connection string locally (Azurite:
/// <c>UseDevelopmentStorage=true</c> or explicit endpoints with the well-known development key), or the Table and Blob
/// service URIs in Azure, reached with the app's managed identity (no keys anywhere).
/// </summary>
public sealed record StorageSettings
{
    /// <summary>The app settings, as environment variables name them (<c>__</c> separates configuration sections).</summary>
    public const string ConnectionStringSetting = "LedgerStorage__ConnectionString";

    public const string TableServiceUriSetting = "LedgerStorage__TableServiceUri";

    public const string BlobServiceUriSetting = "LedgerStorage__BlobServiceUri";

    // A connection string is short; anything longer is a configuration mistake, not a connection string.
    private const int MaxConnectionStringLength = 4096;

    private StorageSettings(string? connectionString, Uri? tableServiceUri, Uri? blobServiceUri)
    {
        ConnectionString = connectionString;
        TableServiceUri = tableServiceUri;
        BlobServiceUri = blobServiceUri;
    }

    /// <summary>Set when the account is reached with its key (locally); never printed.</summary>
    public string? ConnectionString { get; }

    /// <summary>Set when the account is reached by identity (in Azure).</summary>
    public Uri? TableServiceUri { get; }

    public Uri? BlobServiceUri { get; }

    public bool UsesConnectionString => ConnectionString is not null;

    public static StorageSettings ForConnectionString(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        if (connectionString.Length > MaxConnectionStringLength)
        {
            throw new InvalidOperationException($"{ConnectionStringSetting} is longer than {MaxConnectionStringLength} characters.");
        }
        return new StorageSettings(connectionString.Trim(), null, null);
    }

    public static StorageSettings ForServiceUris(Uri tableServiceUri, Uri blobServiceUri) =>
        new(null, ServiceUri(tableServiceUri, TableServiceUriSetting), ServiceUri(blobServiceUri, BlobServiceUriSetting));

    /// <summary>The connection string if one is set, else both service URIs; a missing or malformed setting is an
    /// <see cref="InvalidOperationException"/> naming it (never showing a key), so the app stops at start-up.</summary>
    public static StorageSettings Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration[Key(ConnectionStringSetting)];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return ForConnectionString(connectionString);
        }
        var table = configuration[Key(TableServiceUriSetting)];
        var blob = configuration[Key(BlobServiceUriSetting)];
        if (string.IsNullOrWhiteSpace(table) || string.IsNullOrWhiteSpace(blob))
        {
            throw new InvalidOperationException(
                $"Set {ConnectionStringSetting}, or both {TableServiceUriSetting} and {BlobServiceUriSetting}.");
        }
        return ForServiceUris(Parse(table, TableServiceUriSetting), Parse(blob, BlobServiceUriSetting));
    }

    /// <summary>Endpoints only: the connection string is never shown.</summary>
    public override string ToString() => UsesConnectionString
        ? "storage account by connection string"
        : $"Table: {TableServiceUri}, Blob: {BlobServiceUri}, by identity";

    /// <summary>The configuration key of an app setting: environment variables' <c>__</c> is <c>:</c> in .NET configuration.</summary>
    public static string Key(string setting) => setting.Replace("__", ":", StringComparison.Ordinal);

    private static Uri Parse(string text, string setting) =>
        Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri)
            ? ServiceUri(uri, setting)
            : throw new InvalidOperationException($"{setting} is not an absolute URL.");

    /// <summary>Bearer tokens travel only over https (Azure.Core refuses plain http with a token credential anyway).</summary>
    private static Uri ServiceUri(Uri uri, string setting) =>
        uri.Scheme == Uri.UriSchemeHttps && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.UserInfo)
            ? uri
            : throw new InvalidOperationException($"{setting} must be an https URL without query or user info, such as https://<account>.table.core.windows.net.");
}
