using System.Diagnostics;

namespace Finance.Testing;

/// <summary>
/// One Azurite per test process, started from the checkout's node_modules on free loopback ports with in-memory
/// persistence, and stopped when the test process exits. Tests isolate themselves by table and container names.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    /// <summary>The well-known development account key Azurite accepts (public, not a secret).</summary>
    public const string AccountName = "devstoreaccount1";
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly SemaphoreSlim StartLock = new(1, 1);
    private static Azurite? shared;

    private readonly ChildProcess process;

    private Azurite(ChildProcess process, int blobPort, int queuePort, int tablePort)
    {
        this.process = process;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }
    public int QueuePort { get; }
    public int TablePort { get; }

    public Uri BlobEndpoint => new($"http://127.0.0.1:{BlobPort}/{AccountName}");
    public Uri TableEndpoint => new($"http://127.0.0.1:{TablePort}/{AccountName}");

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint={BlobEndpoint};QueueEndpoint=http://127.0.0.1:{QueuePort}/{AccountName};TableEndpoint={TableEndpoint};";

    /// <summary>The Azurite shared by every test in this process; started on first use.</summary>
    public static async Task<Azurite> SharedAsync()
    {
        await StartLock.WaitAsync();
        try
        {
            if (shared is null)
            {
                shared = await StartAsync();
                AppDomain.CurrentDomain.ProcessExit += (_, _) => shared.Stop();
            }
            return shared;
        }
        finally
        {
            StartLock.Release();
        }
    }

    public static async Task<Azurite> StartAsync()
    {
        var root = RepositoryRoot.Path;
        var script = Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed at {script}; run `npm ci` in {root} first.");
        }

        var ports = FreePorts.Take(3);
        // In-memory persistence: nothing is written to disk and every run starts empty. Azurite refuses --location with it,
        // so its working directory is a fresh temporary folder (it may still write a debug log there).
        var location = Path.Combine(Path.GetTempPath(), "azurite-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(location);
        var start = new ProcessStartInfo("node") { WorkingDirectory = location };
        foreach (var arg in new[]
                 {
                     script, "--inMemoryPersistence", "--disableProductStyleUrl",
                     "--blobHost", "127.0.0.1", "--blobPort", ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--queueHost", "127.0.0.1", "--queuePort", ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--tableHost", "127.0.0.1", "--tablePort", ports[2].ToString(System.Globalization.CultureInfo.InvariantCulture),
                 })
        {
            start.ArgumentList.Add(arg);
        }

        var process = ChildProcess.Start(start);
        var azurite = new Azurite(process, ports[0], ports[1], ports[2]);
        try
        {
            foreach (var port in ports)
            {
                await FreePorts.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(60), () => process.HasExited);
            }
        }
        catch (Exception e)
        {
            azurite.Stop();
            throw new InvalidOperationException($"Azurite did not start: {e.Message}\n{azurite.Output}", e);
        }
        if (process.HasExited)
        {
            throw new InvalidOperationException($"Azurite exited with {process.Process.ExitCode}:\n{azurite.Output}");
        }
        return azurite;
    }

    public string Output => process.Output;

    public void Stop() => process.Stop();

    public ValueTask DisposeAsync()
    {
        process.Dispose();
        return ValueTask.CompletedTask;
    }
}
