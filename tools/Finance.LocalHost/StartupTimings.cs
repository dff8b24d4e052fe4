using System.Diagnostics;

namespace Finance.LocalHost;

/// <summary>How long the first start took, from the call to StartAsync (for the cold-start measurement).</summary>
public sealed record StartupTimings(TimeSpan ServerListening, TimeSpan WorkerLaunched, TimeSpan WorkerConnected, TimeSpan FunctionsLoaded);

internal enum StartupPhase
{
    ServerListening,
    WorkerLaunched,
    WorkerConnected,
    FunctionsLoaded,
}

internal sealed class StartupClock
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly TimeSpan[] marks = new TimeSpan[Enum.GetValues<StartupPhase>().Length];

    public void Mark(StartupPhase phase) => marks[(int)phase] = clock.Elapsed;

    public StartupTimings Timings() => new(
        marks[(int)StartupPhase.ServerListening],
        marks[(int)StartupPhase.WorkerLaunched],
        marks[(int)StartupPhase.WorkerConnected],
        marks[(int)StartupPhase.FunctionsLoaded]);
}
