using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Finance.Storage.Closes;
using Finance.Storage.Directory;
using Finance.Storage.Imports;
using Finance.Storage.Ledger;
using Finance.Storage.Pools;
using Finance.Storage.Runs;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NodaTime;

namespace Finance.Storage;

public static class StorageRegistration
{
    /// <summary>
    /// The official Table and Blob clients, registered once with <c>AddAzureClients</c> from configuration (see
    /// <see cref="StorageSettings"/>): by connection string locally, by service URI and <see cref="DefaultAzureCredential"/>
    /// (the Function App's managed identity) in Azure; and every repository on them. A missing or malformed setting is an
    /// <see cref="InvalidOperationException"/> when the storage is first resolved, which the app does at start-up.
    /// </summary>
    public static IServiceCollection AddFinanceStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        // Read when first needed, from the configuration the host ends up with (settings added after registration count).
        services.AddSingleton(sp => StorageSettings.Read(sp.GetService<IConfiguration>() ?? configuration));
        services.AddAzureClients(clients =>
        {
            clients.AddClient<TableServiceClient, TableClientOptions>((options, credential, sp) =>
                StorageClients.TableService(sp.GetRequiredService<StorageSettings>(), credential, options));
            // The Blob client's API version is fixed when its options are made, so they are made here (with the same defaults).
            clients.AddClient<BlobServiceClient, BlobClientOptions>((_, credential, sp) =>
                StorageClients.BlobService(sp.GetRequiredService<StorageSettings>(), credential, StorageClients.BlobOptions()));
            // Used only with service URIs (a connection string carries its key); it finds the managed identity in Azure.
            // Made on the first token request, so an app on a connection string never builds the identity chain.
            clients.UseCredential(new DeferredCredential(() => new DefaultAzureCredential()));
            clients.ConfigureDefaults(StorageClients.ApplyDefaults);
        });
        services.TryAddSingleton<IClock>(SystemClock.Instance);
        services.AddSingleton<LedgerStorage>();
        services.AddSingleton(sp => new LedgerRepository(
            sp.GetRequiredService<LedgerStorage>().Table(StorageNames.LedgerTable), sp.GetRequiredService<IClock>()));
        services.AddSingleton<PoolStore>();
        services.AddSingleton<PoolSetupStore>();
        services.AddSingleton<OrganisationStore>();
        services.AddSingleton<MembershipStore>();
        services.AddSingleton<ImportStore>();
        services.AddSingleton<CloseChain>();
        services.AddSingleton<ListingKey>();
        services.AddSingleton<ControlTotalStore>();
        services.AddSingleton<TimerRunStore>();
        services.AddSingleton<MonthEndReportStore>();
        return services;
    }
}
