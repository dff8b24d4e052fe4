using Finance.Storage;
using Finance.Testing;

namespace Finance.Benchmarks.Harness;

/// <summary>
/// The Azurite a run starts (in memory, on free ports, as the end-to-end tests' is), the id of its node process for
/// processor time, and the app's own storage clients on it, for the raw baselines.
/// </summary>
internal sealed class StorageUnderTest : IAsyncDisposable
{
    private StorageUnderTest(Azurite azurite)
    {
        Azurite = azurite;
        AzuritePid = LinuxProcesses.FindAzurite(azurite.TablePort);
        Ledger = LedgerStorage.ForConnectionString(azurite.ConnectionString);
    }

    public Azurite Azurite { get; }

    /// <summary>Null where there is no /proc (its processor time then reads n/a).</summary>
    public int? AzuritePid { get; }

    public LedgerStorage Ledger { get; }

    public static async Task<StorageUnderTest> StartAsync()
    {
        Console.WriteLine("Starting Azurite (in memory)…");
        return new StorageUnderTest(await Azurite.StartAsync());
    }

    public ValueTask DisposeAsync() => Azurite.DisposeAsync();
}
