using System.Text.RegularExpressions;
using Finance.Testing;
using Xunit;

namespace Finance.LocalHost.Tests;

/// <summary>
/// A local host running the sample worker (tests/Finance.SampleWorker, built beside this test run), one per test class.
/// Derived fixtures change the settings a class needs; every host uses its own free ports.
/// </summary>
public class SampleHost : IAsyncLifetime
{
    public const string FunctionKey = "sample-function-key";
    public const string MasterKey = "sample-master-key";

    private FunctionsHost? host;

    public FunctionsHost Host => host ?? throw new InvalidOperationException("The host has not started.");

    public HttpClient Client { get; private set; } = null!;

    /// <summary>A schedule that never fires during a test run unless a class sets another.</summary>
    protected virtual string Schedule => "0 0 0 1 1 *";

    protected virtual bool RunTimersOnSchedule => false;

    protected virtual IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>();

    public static string AppDirectory()
    {
        var path = RepositoryRoot.BuildOutput(Path.Combine("tests", "Finance.SampleWorker"));
        return File.Exists(Path.Combine(path, "functions.metadata"))
            ? path
            : throw new InvalidOperationException($"The sample worker is not built at {path}.");
    }

    public LocalHostOptions Options(Func<LocalHostOptions, LocalHostOptions>? change = null)
    {
        var settings = new Dictionary<string, string> { ["Sample__Schedule"] = Schedule };
        foreach (var (name, value) in ExtraSettings)
        {
            settings[name] = value;
        }
        var options = new LocalHostOptions
        {
            AppDirectory = AppDirectory(),
            AppSettings = settings,
            FunctionKeys = [FunctionKey],
            MasterKey = MasterKey,
            RunTimersOnSchedule = RunTimersOnSchedule,
        };
        return change is null ? options : change(options);
    }

    public virtual async Task InitializeAsync()
    {
        host = await FunctionsHost.StartAsync(Options());
        Client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }

    /// <summary>The host's recent log, for failure messages.</summary>
    public string Log() => Describe(Host);

    public static string Describe(FunctionsHost host) =>
        string.Join('\n', host.RecentLogs.TakeLast(60).Select(l => l.ToString()));

    /// <summary>A path that a route template matches: each parameter replaced by "1" (an int fits every constraint here).</summary>
    public static string PathFor(HostedFunction function) => "/" + Regex.Replace(function.Route!, @"\{[^}]+\}", "1");

    public static async Task<T> EventuallyAsync<T>(Func<T?> probe, TimeSpan timeout, Func<string> explain)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (probe() is { } found)
            {
                return found;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not seen within {timeout.TotalSeconds:0} s.\n{explain()}");
            }
            await Task.Delay(50);
        }
    }
}

/// <summary>Timers fire every second, and each run takes 1.5 s, so runs would overlap if the host let them.</summary>
public sealed class EverySecondTimerHost : SampleHost
{
    protected override string Schedule => "* * * * * *";

    protected override bool RunTimersOnSchedule => true;

    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string> { ["Sample__TimerDelayMs"] = "1500" };
}

/// <summary>A daily schedule: monitored (so schedule status is sent), and never due during a run.</summary>
public sealed class DailyTimerHost : SampleHost
{
    protected override string Schedule => "0 0 0 * * *";
}
