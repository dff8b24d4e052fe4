using Finance.Testing;
using Xunit;

namespace Finance.Storage.Tests;

/// <summary>The process-wide Azurite (<see cref="Azurite.SharedAsync"/>), with the helpers these tests use.</summary>
public sealed class StorageAzurite : IAsyncLifetime
{
    private Azurite? azurite;

    public static string AccountName => Azurite.AccountName;

    public static string AccountKey => Azurite.AccountKey;

    public string ConnectionString => Current.ConnectionString;

    public Uri TableEndpoint => Current.TableEndpoint;

    public Uri BlobEndpoint => Current.BlobEndpoint;

    private Azurite Current => azurite ?? throw new InvalidOperationException("Azurite has not started.");

    public static string UniqueName(string prefix) => AzuriteFixture.UniqueName(prefix);

    /// <summary>A connection string for the same Azurite with another key, which it must refuse.</summary>
    public string ConnectionStringWithKey(string key) => ConnectionString.Replace(AccountKey, key, StringComparison.Ordinal);

    public async Task InitializeAsync() => azurite = await Azurite.SharedAsync();

    public Task DisposeAsync() => Task.CompletedTask;
}
