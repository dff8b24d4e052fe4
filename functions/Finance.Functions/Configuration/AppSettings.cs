using Finance.Storage;

namespace Finance.Functions.Configuration;

/// <summary>One setting the app reads. <see cref="InAzure"/> says whether the deployment (Bicep) must set it.</summary>
/// <param name="Name">The environment variable / app setting name (<c>__</c> separates configuration sections).</param>
/// <param name="Description">What it is for, shown in the README and the sample settings.</param>
/// <param name="LocalDefault">The value used by <c>local.settings.sample.json</c> and the run command; never a secret.</param>
/// <param name="InAzure">True when the Bicep must set it as an app setting of the Function App.</param>
public sealed record AppSetting(string Name, string Description, string LocalDefault, bool InAzure)
{
    /// <summary>The configuration key: environment variables' <c>__</c> becomes <c>:</c> in .NET configuration.</summary>
    public string Key => Name.Replace("__", ":", StringComparison.Ordinal);
}

/// <summary>
/// Every setting the function app reads, in one list. The infrastructure tests compare this list with the app settings
/// the Bicep sets, so a setting added here without infrastructure fails the build.
/// </summary>
public static class AppSettings
{
    public static readonly AppSetting WorkerRuntime = new(
        "FUNCTIONS_WORKER_RUNTIME",
        "Functions runtime: 'dotnet-isolated' (this app is an isolated worker). Set on Premium plans; Flex Consumption names the runtime in the site's functionAppConfig and refuses the setting.",
        "dotnet-isolated", InAzure: true);

    public static readonly AppSetting LedgerConnectionString = new(
        StorageSettings.ConnectionStringSetting,
        "Storage connection string for the ledger (tables) and documents (blobs). Local only; in Azure the service URIs and managed identity are used.",
        "UseDevelopmentStorage=true", InAzure: false);

    public static readonly AppSetting LedgerTableServiceUri = new(
        StorageSettings.TableServiceUriSetting, "Table service endpoint of the ledger storage account (managed identity).", "", InAzure: true);

    public static readonly AppSetting LedgerBlobServiceUri = new(
        StorageSettings.BlobServiceUriSetting, "Blob service endpoint of the ledger storage account (managed identity).", "", InAzure: true);

    public static readonly AppSetting HostStorageAccountName = new(
        "AzureWebJobsStorage__accountName", "Storage account the Functions host uses for its own state (timers, keys), by identity.", "", InAzure: true);

    public static readonly AppSetting HostStorageLocal = new(
        "AzureWebJobsStorage", "Host storage for local runs of the Functions host (Azurite).", "UseDevelopmentStorage=true", InAzure: false);

    public static readonly AppSetting ApplicationInsights = new(
        "APPLICATIONINSIGHTS_CONNECTION_STRING", "Application Insights connection string (telemetry, not a storage secret).", "", InAzure: true);

    public static readonly AppSetting AuthIssuer = new(
        "Auth__Issuer", "Accepted JWT issuer (Entra ID tenant issuer in Azure).", "https://dev.local/finance", InAzure: true);

    public static readonly AppSetting AuthAudience = new(
        "Auth__Audience", "Accepted JWT audience: the API app registration's Application (client) ID for v2.0 tokens.", "api://finance-dev", InAzure: true);

    public static readonly AppSetting RateLimitPermitsPerMinute = new(
        "RateLimit__PermitsPerMinute", "Requests a minute each principal may make (those without a valid token share one allowance); beyond it 429.",
        "600", InAzure: true);

    public static readonly AppSetting HeartbeatSchedule = new(
        "Heartbeat__Schedule", "NCRONTAB (UTC) of the heartbeat timer.", "0 */5 * * * *", InAzure: true);

    public static readonly AppSetting CloseSchedule = new(
        "Close__Schedule", "NCRONTAB (UTC) of the month-end reconciliation timer; default daily 06:00.", "0 0 6 * * *", InAzure: true);

    public static readonly AppSetting CloseWorkingDay = new(
        "Close__WorkingDay", "Working day after month end on which the timer reconciles and auto-closes (default 5).", "5", InAzure: true);

    public static readonly AppSetting CloseBankHolidays = new(
        "Close__BankHolidays", "Bank holidays skipped when counting working days, comma-separated ISO dates.", "", InAzure: true);

    public static readonly AppSetting ImportLeaseSeconds = new(
        "Imports__LeaseSeconds",
        "Seconds an instance applying a CSV import holds it before another may take over (after a crash). Default 120.", "120", InAzure: false);

    public static IReadOnlyList<AppSetting> All { get; } =
    [
        WorkerRuntime, LedgerConnectionString, LedgerTableServiceUri, LedgerBlobServiceUri,
        HostStorageAccountName, HostStorageLocal, ApplicationInsights, AuthIssuer, AuthAudience, RateLimitPermitsPerMinute,
        HeartbeatSchedule, CloseSchedule, CloseWorkingDay, CloseBankHolidays, ImportLeaseSeconds,
    ];
}
