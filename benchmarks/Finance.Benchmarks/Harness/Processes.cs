using System.Globalization;
using System.Text;

namespace Finance.Benchmarks.Harness;

/// <summary>
/// The processes a run starts, as Linux's /proc shows them: Azurite found by its command line (the worker's id comes from
/// the local host), their resident set (VmRSS) now, its high-water mark (VmHWM), and processor time. Only Linux has /proc; elsewhere every reading is null and the report
/// says n/a.
/// </summary>
internal static class LinuxProcesses
{
    /// <summary>The node process running Azurite with its Table service on <paramref name="tablePort"/>.</summary>
    public static int? FindAzurite(int tablePort)
    {
        var port = tablePort.ToString(CultureInfo.InvariantCulture);
        return Find((commandLine, _) =>
            commandLine.Any(a => a.EndsWith("azurite.js", StringComparison.Ordinal))
            && commandLine.Zip(commandLine.Skip(1)).Any(pair => pair is ("--tablePort", var value) && value == port));
    }

    /// <summary>The first process whose command line (and, read only when asked, environment) matches.</summary>
    private static int? Find(Func<string[], Func<string[]>, bool> matches)
    {
        if (!Directory.Exists("/proc"))
        {
            return null;
        }
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0');
                if (matches(commandLine, () => Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(directory, "environ"))).Split('\0')))
                {
                    return pid;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone since listed, or someone else's process.
            }
        }
        return null;
    }

    /// <summary>Processor time (user + system) the process has used so far; null if it is gone.</summary>
    public static TimeSpan? ProcessorTime(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.TotalProcessorTime;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// Processor time every process on the machine has used since boot (the "cpu" line of /proc/stat: user, nice,
    /// system, irq, softirq and steal; idle and iowait are not busy). Its unit is USER_HZ, 100 per second on every Linux
    /// the benchmark runs on (.NET does not expose sysconf). Null without /proc.
    /// </summary>
    public static TimeSpan? MachineBusyTime()
    {
        const double TicksPerSecond = 100;
        try
        {
            var line = File.ReadLines("/proc/stat").FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
            var fields = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => long.Parse(f, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
            if (fields is null || fields.Length < 8)
            {
                return null;
            }
            // user, nice, system, idle, iowait, irq, softirq, steal (guest time is already in user).
            var busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7];
            return TimeSpan.FromSeconds(busy / TicksPerSecond);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>Resident set size now, in bytes; null if the process is gone or there is no /proc.</summary>
    public static long? ResidentBytes(int pid) => StatusKilobytes(pid, "VmRSS:") * 1024;

    /// <summary>The most the resident set has been since the process started or <see cref="TryResetHighWater"/>.</summary>
    public static long? HighWaterBytes(int pid) => StatusKilobytes(pid, "VmHWM:") * 1024;

    /// <summary>Resets VmHWM to the current resident set (writing 5 to clear_refs, Linux 4.0+), so a phase's high-water
    /// mark is its own. False when not allowed; the high-water mark then counts from the process's start.</summary>
    public static bool TryResetHighWater(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long? StatusKilobytes(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    // "VmRSS:	  123456 kB"
                    var value = line[field.Length..].Trim();
                    var number = value.EndsWith(" kB", StringComparison.Ordinal) ? value[..^3].Trim() : value;
                    return long.Parse(number, NumberStyles.None, CultureInfo.InvariantCulture);
                }
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>
/// Samples a process's resident set every <see cref="Interval"/> while a phase runs, in the background, and at the end
/// reads its high-water mark (which also catches peaks between samples).
/// </summary>
internal sealed class MemorySampler : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    private readonly int pid;
    private readonly bool highWaterReset;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private long peakBytes;
    private int samples;

    private MemorySampler(int pid)
    {
        this.pid = pid;
        highWaterReset = LinuxProcesses.TryResetHighWater(pid);
        loop = Task.Run(SampleAsync);
    }

    public static MemorySampler Start(int pid) => new(pid);

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            if (LinuxProcesses.ResidentBytes(pid) is { } bytes)
            {
                peakBytes = Math.Max(peakBytes, bytes);
                samples++;
            }
        }
        while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false));
    }

    /// <summary>Stops sampling and returns the phase's figures; <paramref name="targetMb"/> null when the phase has no memory target.</summary>
    public async Task<MemoryPeak> StopAsync(string phase, double? targetMb)
    {
        await stop.CancelAsync();
        try
        {
            await loop;
        }
        catch (OperationCanceledException)
        {
            // Stopped, as asked.
        }
        var highWater = LinuxProcesses.HighWaterBytes(pid);
        return new MemoryPeak(phase, samples == 0 ? null : ToMb(peakBytes), highWater is { } h ? ToMb(h) : null, highWaterReset, samples, targetMb);
    }

    private static double ToMb(long bytes) => Math.Round(bytes / (1024.0 * 1024.0), 1);

    public async ValueTask DisposeAsync()
    {
        if (!stop.IsCancellationRequested)
        {
            await stop.CancelAsync();
        }
        try
        {
            await loop;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        stop.Dispose();
    }
}

/// <summary>Processor time the worker, Azurite and the benchmark itself used over one measured run, in seconds. On a
/// small machine they share the processors; which one is near the run's wall time says where the time went (Azurite is
/// one node thread, so it saturates at 1 s per second). <see cref="BenchSeconds"/> includes the local Functions host,
/// which runs in the benchmark's process (routing, keys, forwarding, gRPC). <see cref="OtherSeconds"/> is what every
/// other process on the machine used meanwhile (builds, tests, an unmeasured worker): well above zero, the run shared
/// the processors and its figures are low.</summary>
internal sealed record CpuUse(double? WorkerSeconds, double? AzuriteSeconds, double BenchSeconds, double? OtherSeconds = null);

/// <summary>Reads processor time at a run's start and end; <see cref="Stop"/> gives the difference.</summary>
internal sealed class CpuClock
{
    private readonly int? workerPid;
    private readonly int? azuritePid;
    private readonly TimeSpan? workerStart;
    private readonly TimeSpan? azuriteStart;
    private readonly TimeSpan benchStart;
    private readonly TimeSpan? machineStart;

    private CpuClock(int? workerPid, int? azuritePid)
    {
        this.workerPid = workerPid;
        this.azuritePid = azuritePid;
        workerStart = workerPid is { } h ? LinuxProcesses.ProcessorTime(h) : null;
        azuriteStart = azuritePid is { } a ? LinuxProcesses.ProcessorTime(a) : null;
        benchStart = Environment.CpuUsage.TotalTime;
        machineStart = LinuxProcesses.MachineBusyTime();
    }

    public static CpuClock Start(int? workerPid, int? azuritePid) => new(workerPid, azuritePid);

    public CpuUse Stop()
    {
        var machine = machineStart is { } start && LinuxProcesses.MachineBusyTime() is { } end ? (end - start).TotalSeconds : (double?)null;
        var worker = Seconds(workerPid, workerStart);
        var azurite = Seconds(azuritePid, azuriteStart);
        var bench = Math.Round((Environment.CpuUsage.TotalTime - benchStart).TotalSeconds, 2);
        // The machine's count ticks at 10 ms, the processes' finer: a small negative difference is rounding, not time.
        var other = machine is { } m ? Math.Round(Math.Max(0, m - (worker ?? 0) - (azurite ?? 0) - bench), 2) : (double?)null;
        return new CpuUse(worker, azurite, bench, other);
    }

    private static double? Seconds(int? pid, TimeSpan? start) =>
        pid is { } p && start is { } s && LinuxProcesses.ProcessorTime(p) is { } end ? Math.Round((end - s).TotalSeconds, 2) : null;
}
