using System.Diagnostics;

namespace Finance.Testing;

/// <summary>
/// The function app's handler as the Functions host runs it: a separate process, told its port by
/// FUNCTIONS_CUSTOMHANDLER_PORT and its storage by app settings. Tests then speak HTTP to it exactly as the host does.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly ChildProcess process;

    private AppProcess(ChildProcess process, int port)
    {
        this.process = process;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public int Port { get; }

    /// <summary>A client addressed at the handler, as the host's forwarding would be.</summary>
    public HttpClient Client { get; }

    public string Output => process.Output;

    /// <summary>The handler's process id (for the benchmarks' memory readings, and to kill it hard in a crash test).</summary>
    public int ProcessId => process.Process.Id;

    /// <summary>Kills the handler at once, as a crash or a lost instance would stop it: no shutdown, nothing flushed.</summary>
    public void Kill() => process.Stop();

    /// <summary>The handler assembly built beside this test run (same configuration).</summary>
    public static string HandlerAssembly()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release" : "Debug";
        var path = Path.Combine(RepositoryRoot.Path, "functions", "Finance.Functions", "bin", configuration, "net10.0", "Finance.Functions.dll");
        return File.Exists(path) ? path : throw new InvalidOperationException($"The handler is not built at {path}.");
    }

    public static async Task<AppProcess> StartAsync(IReadOnlyDictionary<string, string> settings, bool waitForHealthy = true)
    {
        var port = FreePorts.Take(1)[0];
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = RepositoryRoot.Path };
        start.ArgumentList.Add(HandlerAssembly());
        start.Environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        var process = ChildProcess.Start(start);
        var app = new AppProcess(process, port);
        try
        {
            await FreePorts.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(60), () => process.HasExited);
            if (waitForHealthy)
            {
                await app.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30));
            }
        }
        catch (Exception e)
        {
            await app.DisposeAsync();
            throw new InvalidOperationException($"The handler did not start: {e.Message}\n{app.Output}", e);
        }
        return app;
    }

    private async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var response = await Client.GetAsync("api/health");
            if (response.IsSuccessStatusCode)
            {
                return;
            }
            if (DateTime.UtcNow > deadline || process.HasExited)
            {
                throw new InvalidOperationException($"Health answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
            await Task.Delay(200);
        }
    }

    public ValueTask DisposeAsync()
    {
        Client.Dispose();
        process.Dispose();
        return ValueTask.CompletedTask;
    }
}
