using System.Globalization;
using Azure.Core;
using Azure.Core.Pipeline;
using Finance.Storage.Http;

namespace Finance.Storage;

/// <summary>
/// Where the storage account is and how requests to it are authorised: a shared key (from a connection string) or a
/// token credential (managed identity). Never prints the key: <see cref="ToString"/> shows endpoints only.
/// </summary>
public sealed class StorageConnection
{
    /// <summary>The well-known Azurite / storage emulator account (public, not a secret).</summary>
    internal const string DevelopmentAccountName = "devstoreaccount1";

    private const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>Storage's OAuth scope; the Table and Blob services both accept it.</summary>
    internal const string StorageScope = "https://storage.azure.com/.default";

    // Connection strings are short; anything longer is a configuration mistake, not a connection string.
    private const int MaxConnectionStringLength = 4096;

    private static readonly HashSet<string> KnownSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        "UseDevelopmentStorage", "DefaultEndpointsProtocol", "AccountName", "AccountKey", "EndpointSuffix",
        "TableEndpoint", "BlobEndpoint", "QueueEndpoint", "FileEndpoint",
    };

    private readonly byte[]? accountKey;
    private readonly TokenCredential? credential;

    private StorageConnection(Uri tableServiceUri, Uri blobServiceUri, string? accountName, byte[]? accountKey, TokenCredential? credential)
    {
        TableServiceUri = tableServiceUri;
        BlobServiceUri = blobServiceUri;
        AccountName = accountName;
        this.accountKey = accountKey;
        this.credential = credential;
    }

    /// <summary>The Table service endpoint, without a trailing slash (path-style for Azurite: http://127.0.0.1:10002/devstoreaccount1).</summary>
    public Uri TableServiceUri { get; }

    /// <summary>The Blob service endpoint, without a trailing slash.</summary>
    public Uri BlobServiceUri { get; }

    /// <summary>The account name, when known (always with a shared key; from the host name with a token credential).</summary>
    public string? AccountName { get; }

    /// <summary>True when requests are signed with the account key rather than a bearer token.</summary>
    public bool UsesSharedKey => accountKey is not null;

    /// <summary>
    /// Parses "UseDevelopmentStorage=true", "DefaultEndpointsProtocol=..;AccountName=..;AccountKey=..;EndpointSuffix=.."
    /// and explicit "TableEndpoint=..;BlobEndpoint=..;AccountName=..;AccountKey=..". Errors name the setting that is
    /// missing or invalid, never its value.
    /// </summary>
    public static StorageConnection Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException("The storage connection string is empty.", nameof(connectionString));
        }
        if (connectionString.Length > MaxConnectionStringLength)
        {
            throw new ArgumentException(
                $"The storage connection string is longer than {MaxConnectionStringLength} characters.", nameof(connectionString));
        }

        var settings = ParseSettings(connectionString);

        if (settings.TryGetValue("UseDevelopmentStorage", out var development))
        {
            if (!string.Equals(development, "true", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException("UseDevelopmentStorage must be 'true' when present.", nameof(connectionString));
            }
            if (settings.Count > 1)
            {
                throw new ArgumentException(
                    "UseDevelopmentStorage=true cannot be combined with other settings.", nameof(connectionString));
            }
            return new StorageConnection(
                new Uri("http://127.0.0.1:10002/" + DevelopmentAccountName),
                new Uri("http://127.0.0.1:10000/" + DevelopmentAccountName),
                DevelopmentAccountName,
                Convert.FromBase64String(DevelopmentAccountKey),
                credential: null);
        }

        if (!settings.TryGetValue("AccountName", out var accountName) || accountName.Length == 0)
        {
            throw new ArgumentException("The storage connection string has no AccountName.", nameof(connectionString));
        }
        if (!IsValidAccountName(accountName))
        {
            throw new ArgumentException(
                "The storage connection string's AccountName is not 3-24 lowercase letters and digits.", nameof(connectionString));
        }
        if (!settings.TryGetValue("AccountKey", out var keyText) || keyText.Length == 0)
        {
            throw new ArgumentException(
                "The storage connection string has no AccountKey (shared access signatures are not supported).", nameof(connectionString));
        }
        var key = new byte[keyText.Length];
        if (!Convert.TryFromBase64String(keyText, key, out var keyLength) || keyLength == 0)
        {
            throw new ArgumentException("The storage connection string's AccountKey is not valid base64.", nameof(connectionString));
        }
        Array.Resize(ref key, keyLength);

        settings.TryGetValue("DefaultEndpointsProtocol", out var protocol);
        if (protocol is not null && protocol != "https" && protocol != "http")
        {
            throw new ArgumentException("DefaultEndpointsProtocol must be 'https' or 'http'.", nameof(connectionString));
        }
        settings.TryGetValue("EndpointSuffix", out var suffix);
        if (suffix is not null && (suffix.Length == 0 || suffix.Contains('/', StringComparison.Ordinal) || suffix.Contains(':', StringComparison.Ordinal)))
        {
            throw new ArgumentException("EndpointSuffix must be a host name suffix such as 'core.windows.net'.", nameof(connectionString));
        }

        var table = EndpointFor("TableEndpoint", "table");
        var blob = EndpointFor("BlobEndpoint", "blob");
        return new StorageConnection(table, blob, accountName, key, credential: null);

        Uri EndpointFor(string setting, string service)
        {
            if (settings.TryGetValue(setting, out var explicitEndpoint))
            {
                return ParseEndpoint(explicitEndpoint, setting, nameof(connectionString));
            }
            if (protocol is null)
            {
                throw new ArgumentException(
                    $"The storage connection string has neither {setting} nor DefaultEndpointsProtocol to derive it from.",
                    nameof(connectionString));
            }
            return new Uri($"{protocol}://{accountName}.{service}.{suffix ?? "core.windows.net"}", UriKind.Absolute);
        }
    }

    /// <summary>
    /// Authorises with a token credential (managed identity in Azure) for the scope https://storage.azure.com/.default.
    /// Bearer tokens are only sent over https; Azure.Core refuses plain http.
    /// </summary>
    public static StorageConnection FromTokenCredential(Uri tableServiceUri, Uri blobServiceUri, TokenCredential credential)
    {
        ArgumentNullException.ThrowIfNull(tableServiceUri);
        ArgumentNullException.ThrowIfNull(blobServiceUri);
        ArgumentNullException.ThrowIfNull(credential);
        var table = ParseEndpoint(tableServiceUri.OriginalString, "tableServiceUri", nameof(tableServiceUri));
        var blob = ParseEndpoint(blobServiceUri.OriginalString, "blobServiceUri", nameof(blobServiceUri));
        return new StorageConnection(table, blob, AccountNameFrom(table), accountKey: null, credential);
    }

    public override string ToString() =>
        $"Table: {TableServiceUri}, Blob: {BlobServiceUri}, auth: {(UsesSharedKey ? "shared key" : "token")}";

    /// <summary>The authorisation policy for one service; runs once per attempt so each retry is signed afresh.</summary>
    internal HttpPipelinePolicy CreateAuthenticationPolicy(StorageService service)
    {
        if (accountKey is not null)
        {
            var account = AccountName ?? throw new InvalidOperationException("A shared key connection always has an account name.");
            return service == StorageService.Table
                ? new TableSharedKeyPolicy(account, accountKey)
                : new BlobSharedKeyPolicy(account, accountKey);
        }
        return new BearerTokenAuthenticationPolicy(
            credential ?? throw new InvalidOperationException("A connection has either a key or a credential."), StorageScope);
    }

    private static Dictionary<string, string> ParseSettings(string connectionString)
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                // Do not echo the part: it may be a key that lost its name.
                throw new ArgumentException(
                    "The storage connection string has a part that is not 'Name=value'.", nameof(connectionString));
            }
            var name = part[..equals].Trim();
            var value = part[(equals + 1)..].Trim();
            if (!KnownSettings.Contains(name))
            {
                throw new ArgumentException(
                    $"The storage connection string has an unsupported setting '{SafeName(name)}'.", nameof(connectionString));
            }
            if (!settings.TryAdd(name, value))
            {
                throw new ArgumentException(
                    $"The storage connection string sets {name} more than once.", nameof(connectionString));
            }
        }
        if (settings.Count == 0)
        {
            throw new ArgumentException("The storage connection string has no settings.", nameof(connectionString));
        }
        return settings;
    }

    // A setting name is echoed only when it looks like a name, so a pasted key never appears in a message.
    private static string SafeName(string name) =>
        name.Length <= 40 && name.All(char.IsAsciiLetter) ? name : "(unrecognised)";

    private static Uri ParseEndpoint(string text, string setting, string parameterName)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment)
            || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new ArgumentException(
                $"{setting} must be an absolute http(s) URL without query, fragment or user info.", parameterName);
        }
        // One canonical form: no trailing slash, so paths are appended as "/" + name.
        var trimmed = uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return new Uri(trimmed, UriKind.Absolute);
    }

    private static bool IsValidAccountName(string name) =>
        name.Length is >= 3 and <= 24 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c));

    /// <summary>"acct" from https://acct.table.core.windows.net, or from the first path segment of a path-style
    /// (IP address or localhost) endpoint such as Azurite's.</summary>
    private static string? AccountNameFrom(Uri endpoint)
    {
        if (endpoint.HostNameType == UriHostNameType.Dns && !endpoint.IsLoopback)
        {
            var firstLabel = endpoint.Host.Split('.')[0];
            return firstLabel.ToLower(CultureInfo.InvariantCulture);
        }
        var firstSegment = endpoint.AbsolutePath.Trim('/').Split('/')[0];
        return firstSegment.Length > 0 ? firstSegment : null;
    }
}
