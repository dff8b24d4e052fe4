using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Finance.Testing;

namespace Finance.Benchmarks.Harness;

/// <summary>One path's throughput: <see cref="Items"/> moved in <see cref="Seconds"/> over <see cref="Requests"/> calls,
/// and, for paths compared with raw storage, the ratio and whether it reached <see cref="TargetRatio"/>; for paths with
/// absolute targets (requests/s, p99), those in <see cref="Targets"/>. Latencies and processor time say where the time
/// went.</summary>
internal sealed record Throughput(
    string Measure, long Items, string Unit, double Seconds, long Requests, double? RatioToRaw = null, double? TargetRatio = null)
{
    public double PerSecond => Seconds > 0 ? Math.Round(Items / Seconds, 1) : 0;

    /// <summary>Requests answered with something other than what the run expects (or not answered); included in
    /// <see cref="Requests"/>. Null where every request is checked and any failure stops the run.</summary>
    public long? Errors { get; init; }

    public Latencies? LatencyMs { get; init; }

    public CpuUse? Cpu { get; init; }

    /// <summary>Targets beside the ratio to raw: each with its text and whether it was met.</summary>
    public IReadOnlyList<Target>? Targets { get; init; }

    public bool? Met
    {
        get
        {
            var all = (Targets ?? []).Select(t => t.Met).ToList();
            if (TargetRatio is { } target && RatioToRaw is { } ratio)
            {
                all.Add(ratio >= target);
            }
            return all.Count == 0 ? null : all.All(met => met);
        }
    }

    /// <summary>Processor milliseconds per request: the worker's and Azurite's (the benchmark's own, with the local
    /// host's, is in <see cref="Cpu"/>).</summary>
    public double? WorkerCpuMsPerRequest => PerRequestMs(Cpu?.WorkerSeconds);

    public double? AzuriteCpuMsPerRequest => PerRequestMs(Cpu?.AzuriteSeconds);

    /// <summary>The same figures compared with <paramref name="raw"/>, against <paramref name="targetRatio"/>.</summary>
    public Throughput ComparedWith(Throughput raw, double targetRatio) =>
        RelativeTo(raw) with { TargetRatio = targetRatio };

    /// <summary>The ratio to <paramref name="raw"/>'s rate, for reading beside it, with no target on it.</summary>
    public Throughput RelativeTo(Throughput raw) =>
        this with { RatioToRaw = raw.PerSecond > 0 ? Math.Round(PerSecond / raw.PerSecond, 3) : null };

    /// <summary>Adds absolute targets: at least <paramref name="minPerSecond"/> and a p99 of at most <paramref name="maxP99Ms"/>.</summary>
    public Throughput WithTargets(double minPerSecond, double maxP99Ms) => this with
    {
        Targets =
        [
            .. Targets ?? [],
            new Target(FormattableString.Invariant($">= {minPerSecond:0}/s"), PerSecond >= minPerSecond),
            new Target(FormattableString.Invariant($"p99 <= {maxP99Ms:0} ms"), LatencyMs is { } l && l.P99 <= maxP99Ms),
        ],
    };

    /// <summary>Adds the target of serving faster than <paramref name="other"/>: more per second and a lower p99.</summary>
    public Throughput WithTargetFasterThan(Throughput other, string otherName) => this with
    {
        Targets =
        [
            .. Targets ?? [],
            new Target($"faster than {otherName}",
                PerSecond > other.PerSecond && LatencyMs is { } mine && other.LatencyMs is { } theirs && mine.P99 <= theirs.P99),
        ],
    };

    private double? PerRequestMs(double? seconds) => seconds is { } s && Requests > 0 ? Math.Round(s * 1000 / Requests, 3) : null;
}

/// <summary>One target a figure is held to, as the report shows it (">= 1000/s", "p99 &lt;= 50 ms"), and whether it was met.</summary>
internal sealed record Target(string Text, bool Met);

/// <summary>Request latencies of one run in milliseconds (to the hundredth): median, 99th percentile, slowest, and the
/// mean of the first and last tenth of the requests (a rise says the work per request grows with what is already
/// stored).</summary>
internal sealed record Latencies(double P50, double P99, double Max, double FirstTenthMean, double LastTenthMean)
{
    public static Latencies? Of(IReadOnlyList<double> inOrder)
    {
        if (inOrder.Count == 0)
        {
            return null;
        }
        var sorted = inOrder.Order().ToArray();
        double Rank(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        var tenth = Math.Max(1, inOrder.Count / 10);
        return new Latencies(
            Math.Round(Rank(0.50), 2), Math.Round(Rank(0.99), 2), Math.Round(sorted[^1], 2),
            Math.Round(inOrder.Take(tenth).Average(), 2), Math.Round(inOrder.TakeLast(tenth).Average(), 2));
    }
}

/// <summary>The worker's memory through one phase: the largest resident set sampled, and the kernel's high-water mark
/// (<see cref="HighWaterIsPhaseOnly"/>: reset at the phase's start, so it is this phase's own).</summary>
/// <remarks><see cref="TargetMb"/> is null for a phase measured for information only.</remarks>
internal sealed record MemoryPeak(string Phase, double? SampledPeakMb, double? HighWaterMb, bool HighWaterIsPhaseOnly, int Samples, double? TargetMb)
{
    public double? PeakMb => SampledPeakMb is null && HighWaterMb is null ? null : Math.Max(SampledPeakMb ?? 0, HighWaterMb ?? 0);

    public bool? Met => PeakMb is { } peak && TargetMb is { } target ? peak < target : null;
}

/// <summary>
/// One app's cold starts through the local host, as medians over <see cref="Starts"/> starts, in milliseconds from the
/// call to FunctionsHost.StartAsync: the host's own phases (its <c>Startup</c> timings: servers listening, worker process
/// launched, its gRPC stream connected, functions loaded and the worker's HTTP port accepting), then the first 200 from
/// GET /api/health; the fastest and slowest first answers; the worker's resident set at that moment; and
/// <see cref="RatioToBaseline"/>, the median first answer over the baseline app's in the same run (null for the baseline).
/// </summary>
internal sealed record ColdStarts(
    string App, int Starts, double ServerListeningMs, double WorkerLaunchedMs, double WorkerConnectedMs, double FunctionsLoadedMs,
    double FirstAnswerMs, double FastestMs, double SlowestMs, double? WorkerRssMb, double? RatioToBaseline = null);

internal sealed record MachineInfo(int ProcessorCount, string? Processor, double? MemoryGb, string Os, string Runtime)
{
    public static MachineInfo Current() => new(
        Environment.ProcessorCount,
        CpuModel(),
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes is > 0 and var bytes ? Math.Round(bytes / (1024.0 * 1024 * 1024), 1) : null,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription);

    private static string? CpuModel()
    {
        try
        {
            return File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}

/// <summary>The commit measured, if this is a git checkout with git on the path; <see cref="Dirty"/> when the working
/// tree differs from it.</summary>
internal sealed record GitInfo(string? Commit, bool? Dirty)
{
    public static GitInfo Read()
    {
        var commit = Git("rev-parse", "--short", "HEAD")?.Trim();
        var status = commit is null ? null : Git("status", "--porcelain", "--untracked-files=no");
        return new GitInfo(string.IsNullOrEmpty(commit) ? null : commit, status is null ? null : status.Trim().Length > 0);
    }

    private static string? Git(params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo("git")
            {
                WorkingDirectory = RepositoryRoot.Path,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }
            var output = process.StandardOutput.ReadToEnd();
            return process.WaitForExit(10_000) && process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}

/// <summary>
/// What one scenario run measured, with the machine and commit it ran on: printed as plain tables and written as JSON
/// to <c>artifacts/bench/&lt;scenario&gt;-&lt;timestamp&gt;.json</c>. Targets are shown beside the figures; a missed
/// target is reported, never an error.
/// </summary>
internal sealed class BenchReport(IScenario scenario, BenchOptions options)
{
    private static readonly JsonSerializerOptions SaveOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string Scenario { get; } = scenario.Verb;

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public double? DurationSeconds { get; private set; }

    // Only the options the scenario takes: the others were not used, so they say nothing about the run.
    public int? Lines { get; } = scenario.Options.Contains(BenchOptions.LinesOption) ? options.Lines : null;

    public int? Seconds { get; } = scenario.Options.Contains(BenchOptions.SecondsOption) ? options.Seconds : null;

    public int? Clients { get; } = scenario.Options.Contains(BenchOptions.ClientsOption) ? options.Clients : null;

    public bool Quick { get; } = options.Quick;

    public MachineInfo Machine { get; } = MachineInfo.Current();

    public GitInfo Git { get; } = GitInfo.Read();

    public int? Starts { get; } = scenario.Options.Contains(BenchOptions.StartsOption) ? options.Starts : null;

    /// <summary>The configuration of the worker build measured (Release for figures worth comparing).</summary>
    public string? AppConfiguration { get; private set; }

    public List<ColdStarts> ColdStarts { get; } = [];

    public List<Throughput> Throughputs { get; } = [];

    public List<MemoryPeak> Memory { get; } = [];

    public List<string> Notes { get; } = [];

    /// <summary>Records the worker build's configuration, with a note when it is not the one worth comparing.</summary>
    public void RecordApp(string configuration)
    {
        AppConfiguration = configuration;
        if (configuration != "Release")
        {
            Notes.Add($"The app is a {configuration} build: run with -c Release for figures worth comparing.");
        }
    }

    public void Finish() => DurationSeconds = Math.Round((DateTimeOffset.UtcNow - StartedAt).TotalSeconds, 1);

    public void Print(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine();
        var processor = Machine.Processor is { } cpu ? $" ({cpu})" : "";
        var commit = (Git.Commit ?? "unknown") + (Git.Dirty == true ? " + local changes" : "");
        var workload = string.Join(", ", new[]
        {
            Lines is { } lines ? Invariant($"{lines} lines") : null,
            Seconds is { } seconds ? Invariant($"{seconds} s per run") : null,
            Clients is { } clients ? Invariant($"{clients} clients") : null,
            Starts is { } starts ? Invariant($"{starts} cold starts per app") : null,
        }.OfType<string>());
        output.WriteLine(Invariant(
            $"{Scenario}: {workload}{(Quick ? " (quick)" : "")}; {Machine.ProcessorCount} processors{processor}; commit {commit}; app {AppConfiguration ?? "not started"} (isolated worker, local host)"));
        output.WriteLine();
        WriteTable(output,
            ["measure", "items", "requests", "errors", "seconds", "per second", "vs raw", "target", "met"],
            Throughputs.Select(t => new[]
            {
                t.Measure, Invariant($"{t.Items} {t.Unit}"), Invariant($"{t.Requests}"), Invariant($"{t.Errors}"), Invariant($"{t.Seconds:0.00}"),
                Invariant($"{t.PerSecond:0}"), t.RatioToRaw is { } r ? Invariant($"{r:P0}") : "", TargetText(t), YesNo(t.Met),
            }).ToList());
        output.WriteLine();
        WriteTable(output,
            ["where the time went", "p50 ms", "p99 ms", "max ms", "first 10% ms", "last 10% ms", "CPU s: worker", "azurite", "bench+host",
                "other", "CPU ms/request: worker", "azurite"],
            Throughputs.Select(t => new[]
            {
                t.Measure,
                Ms(t.LatencyMs?.P50), Ms(t.LatencyMs?.P99), Ms(t.LatencyMs?.Max), Ms(t.LatencyMs?.FirstTenthMean), Ms(t.LatencyMs?.LastTenthMean),
                Invariant($"{t.Cpu?.WorkerSeconds:0.00}"), Invariant($"{t.Cpu?.AzuriteSeconds:0.00}"), Invariant($"{t.Cpu?.BenchSeconds:0.00}"),
                Invariant($"{t.Cpu?.OtherSeconds:0.00}"), Invariant($"{t.WorkerCpuMsPerRequest:0.00}"), Invariant($"{t.AzuriteCpuMsPerRequest:0.00}"),
            }).ToList());
        if (Memory.Count > 0)
        {
            output.WriteLine();
            WriteTable(output,
                ["worker memory", "peak RSS MB (sampled)", "VmHWM MB", "samples", "target", "met"],
                Memory.Select(m => new[]
                {
                    m.Phase, m.SampledPeakMb is { } s ? Invariant($"{s:0.0}") : "n/a",
                    m.HighWaterMb is { } h ? Invariant($"{h:0.0}{(m.HighWaterIsPhaseOnly ? "" : " (since start)")}") : "n/a",
                    Invariant($"{m.Samples}"), m.TargetMb is { } target ? Invariant($"< {target:0} MB") : "", YesNo(m.Met),
                }).ToList());
        }
        if (ColdStarts.Count > 0)
        {
            output.WriteLine();
            WriteTable(output,
                ["cold start (median ms)", "starts", "host listening", "worker launched", "worker connected", "functions loaded", "first 200",
                    "fastest", "slowest", "worker RSS MB", "vs baseline"],
                ColdStarts.Select(c => new[]
                {
                    c.App, Invariant($"{c.Starts}"), Invariant($"{c.ServerListeningMs:0}"), Invariant($"{c.WorkerLaunchedMs:0}"),
                    Invariant($"{c.WorkerConnectedMs:0}"), Invariant($"{c.FunctionsLoadedMs:0}"), Invariant($"{c.FirstAnswerMs:0}"),
                    Invariant($"{c.FastestMs:0}"), Invariant($"{c.SlowestMs:0}"), c.WorkerRssMb is { } rss ? Invariant($"{rss:0.0}") : "n/a",
                    c.RatioToBaseline is { } ratio ? Invariant($"x{ratio:0.00}") : "",
                }).ToList());
        }
        foreach (var note in Notes)
        {
            output.WriteLine($"Note: {note}");
        }
        output.WriteLine();
    }

    /// <summary>Writes the report as JSON under the checkout's artifacts/bench folder; returns the path.</summary>
    public string Save()
    {
        var folder = Path.Combine(RepositoryRoot.Path, "artifacts", "bench");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, Invariant($"{Scenario}-{StartedAt:yyyyMMdd-HHmmss}.json"));
        File.WriteAllText(path, JsonSerializer.Serialize(this, SaveOptions) + "\n");
        return path;
    }

    /// <summary>Every target of a figure, as one cell: the ratio to raw first, then the absolute ones.</summary>
    private static string TargetText(Throughput t) => string.Join(", ", new[]
    {
        t.TargetRatio is { } ratio ? Invariant($">= {ratio:P0}") : null,
    }.OfType<string>().Concat((t.Targets ?? []).Select(target => target.Text)));

    private static string YesNo(bool? met) => met switch
    {
        true => "yes",
        false => "NO",
        null => "",
    };

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    /// <summary>A latency as the table shows it: hundredths below 1 ms (a request through the host to a trivial function),
    /// tenths above.</summary>
    private static string Ms(double? ms) => ms is not { } value ? "" : value < 1 ? Invariant($"{value:0.00}") : Invariant($"{value:0.0}");

    private static void WriteTable(TextWriter output, IReadOnlyList<string> headers, List<string[]> rows)
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        // The first column is text (left-aligned); the figures are right-aligned so their digits line up.
        string Line(IReadOnlyList<string> cells) =>
            string.Join("  ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd();
        output.WriteLine(Line(headers));
        output.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
        {
            output.WriteLine(Line(row));
        }
    }
}
