using Xunit;

namespace Finance.Testing;

/// <summary>xunit fixture handing each test class the process-wide Azurite.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private Azurite? azurite;

    public Azurite Azurite => azurite ?? throw new InvalidOperationException("Azurite has not started.");

    public async Task InitializeAsync() => azurite = await Azurite.SharedAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A table or container name unique to one test: letters and digits, starting with a letter.</summary>
    public static string UniqueName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..12];
}
