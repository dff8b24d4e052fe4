using System.Diagnostics;
using System.Net;
using Finance.Benchmarks.Harness;
using Finance.LocalHost;
using Finance.Testing;

namespace Finance.Benchmarks.Host;

/// <summary>
/// What running through the local Functions host costs, in one run:
/// <list type="number">
/// <item>cold start: from the call that starts host and worker to the first 200 from GET /api/health, for the Finance
/// worker and for the bare sample worker, alternating, after one unmeasured start of each (so the host's own JIT in this
/// process and the file cache do not land on whichever goes first); medians, and the ratio Finance ÷ sample. Twice:
/// the build output (JIT-compiled at start), and the deployable package (artifacts/package, ReadyToRun, as
/// scripts/package.sh publishes it) beside the sample worker published the same way;</item>
/// <item>warm: GET /api/health sequentially by one client through the host, for each worker, beside the raw baselines
/// measured in the same run: a plain Kestrel endpoint in this process answering the same JSON (what the host and a
/// worker add to a request), and the two storage reads the Finance health check makes, straight to Azurite.</item>
/// </list>
/// The same split as the host's own <c>measure</c> verb (tools/Finance.LocalHost/Measurement.cs, internal to that tool),
/// here for the Finance worker too, with Azurite under it, and in the benchmarks' report.
/// </summary>
internal sealed class HostScenario : IScenario
{
    public const string HealthPath = "api/health";

    public const string HealthFunction = "Health";

    /// <summary>Each warm run is preceded by this much of the same requests, unmeasured: JIT, connections.</summary>
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);

    /// <summary>Longest a start may take to its first 200 before the run stops.</summary>
    public static readonly TimeSpan MaxStart = TimeSpan.FromSeconds(90);

    /// <summary>A cold-start row and what a start is: a name, and how to start host and worker.</summary>
    private sealed record Subject(string Name, Func<Task<LocalApp>> LaunchAsync);

    /// <summary>One cold start: the host's phase timings, the first 200, answers before it that were not 200, and the
    /// worker's resident set then.</summary>
    private sealed record ColdStart(StartupTimings Startup, TimeSpan FirstAnswer, int EarlierAnswers, long? WorkerRssBytes);

    public string Verb => "host";

    public string Summary => "cold start (Finance vs bare sample worker) and warm GET /api/health through the local host vs plain Kestrel";

    public IReadOnlyList<string> Options { get; } = [BenchOptions.StartsOption, BenchOptions.SecondsOption];

    public async Task RunAsync(BenchOptions options, BenchReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(report);
        await using var storage = await StorageUnderTest.StartAsync();
        report.RecordApp(AppUnderTest.ConfigurationOf(LocalApp.BuildDirectory()));
        var finance = new Subject("Finance worker", () => AppUnderTest.LaunchAsync(storage.Azurite));
        var sample = new Subject("sample worker (bare)", SampleWorker.LaunchAsync);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

        await ColdStartsAsync(report, options.Starts, finance, sample, http, cancellationToken);
        var package = Path.Combine(RepositoryRoot.Path, "artifacts", "package");
        if (File.Exists(Path.Combine(package, "functions.metadata")))
        {
            Progress("Publishing the sample worker as the package is published (ReadyToRun)…");
            var published = await SampleWorker.PublishAsync(cancellationToken);
            await ColdStartsAsync(report, options.Starts,
                new Subject("Finance, deployable package (ReadyToRun)", () => AppUnderTest.LaunchAsync(storage.Azurite, appDirectory: package)),
                new Subject("sample worker, published the same way", () => SampleWorker.LaunchAsync(published)), http, cancellationToken);
        }
        else
        {
            report.Notes.Add("No artifacts/package (scripts/package.sh builds it): the deployable package's cold start was not measured.");
        }
        report.Notes.Add(
            $"Cold start: the time from calling FunctionsHost.StartAsync (host servers, worker process, gRPC start-up, {HealthFunction} " +
            "and every other function loaded, the worker's HTTP port open) to the first 200 from GET /api/health; the Finance worker's " +
            "health check reads its storage (Azurite) on that request. Each start is a new worker process.");

        var duration = TimeSpan.FromSeconds(options.Seconds);
        var warm = new Warm(report, storage.AzuritePid, duration);
        Throughput kestrel;
        await using (var plain = await PlainKestrel.StartAsync(HealthPath, cancellationToken))
        {
            using var client = new LoadHttpClient(plain.BaseAddress, token: null, functionKey: null, clients: 1);
            kestrel = await warm.RunAsync("raw: plain Kestrel in this process, GET /api/health", client.Get(HealthPath, 200), null, null, cancellationToken);
        }
        var probes = await warm.RunAsync("raw: the health check's storage reads (tables + blobs), straight to Azurite", async (_, ct) =>
        {
            await storage.Ledger.ProbeTablesAsync(ct);
            await storage.Ledger.ProbeBlobsAsync(ct);
            return new LoadAnswer(0);
        }, null, null, cancellationToken);
        var throughSample = await warm.ThroughHostAsync(sample, kestrel, cancellationToken);
        var throughFinance = await warm.ThroughHostAsync(finance, kestrel, cancellationToken);
        report.Notes.Add(Warm.Added("The sample worker through the host", throughSample, kestrel, "plain Kestrel"));
        report.Notes.Add(Warm.Added("The Finance worker through the host", throughFinance, kestrel, "plain Kestrel"));
        report.Notes.Add(Warm.Added("The Finance worker through the host", throughFinance, probes, "its storage reads alone"));
    }

    private static async Task ColdStartsAsync(
        BenchReport report, int starts, Subject finance, Subject sample, HttpClient http, CancellationToken cancellationToken)
    {
        Progress($"Cold starts: one unmeasured start of each worker, then {starts} of each, alternating…");
        await StartOnceAsync(finance, http, cancellationToken);
        await StartOnceAsync(sample, http, cancellationToken);
        var runs = new Dictionary<Subject, List<ColdStart>> { [finance] = [], [sample] = [] };
        for (var i = 0; i < starts; i++)
        {
            // Alternating which goes first, so a slow spell of the machine falls on both alike.
            foreach (var subject in i % 2 == 0 ? new[] { finance, sample } : [sample, finance])
            {
                var start = await StartOnceAsync(subject, http, cancellationToken);
                runs[subject].Add(start);
                Progress($"  {subject.Name}: first 200 after {start.FirstAnswer.TotalMilliseconds:0} ms (functions loaded at {start.Startup.FunctionsLoaded.TotalMilliseconds:0} ms)");
            }
        }
        var baseline = Figures(sample.Name, runs[sample], baseline: null);
        report.ColdStarts.Add(Figures(finance.Name, runs[finance], baseline));
        report.ColdStarts.Add(baseline);
        var notOk = runs.Values.SelectMany(r => r).Sum(r => r.EarlierAnswers);
        if (notOk > 0)
        {
            report.Notes.Add($"{finance.Name} / {sample.Name}: {notOk} GET /api/health answer(s) other than 200 came before a first 200 (counted in the time to it).");
        }
    }

    /// <summary>Starts host and worker, asks for /api/health until it answers 200, and stops them again (not timed).</summary>
    private static async Task<ColdStart> StartOnceAsync(Subject subject, HttpClient http, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await using var app = await subject.LaunchAsync();
        var health = new Uri(app.BaseAddress, HealthPath);
        var earlier = 0;
        while (true)
        {
            using var response = await http.GetAsync(health, cancellationToken);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                break;
            }
            earlier++;
            if (clock.Elapsed > MaxStart)
            {
                throw new InvalidOperationException(
                    $"{subject.Name}: GET /{HealthPath} still answered {(int)response.StatusCode} {MaxStart.TotalSeconds:0} s after the start.\n{app.Log()}");
            }
            await Task.Delay(10, cancellationToken);
        }
        var firstAnswer = clock.Elapsed;
        var rss = app.Host.WorkerProcessId is { } pid ? LinuxProcesses.ResidentBytes(pid) : null;
        return new ColdStart(app.Host.Startup, firstAnswer, earlier, rss);
    }

    private static ColdStarts Figures(string name, List<ColdStart> starts, ColdStarts? baseline)
    {
        static double Median(IEnumerable<TimeSpan> values)
        {
            var sorted = values.Select(v => v.TotalMilliseconds).Order().ToArray();
            return Math.Round(sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2, 1);
        }
        var rss = starts.Select(s => s.WorkerRssBytes).OfType<long>().Order().ToArray();
        var firstAnswer = Median(starts.Select(s => s.FirstAnswer));
        return new ColdStarts(
            name, starts.Count,
            Median(starts.Select(s => s.Startup.ServerListening)), Median(starts.Select(s => s.Startup.WorkerLaunched)),
            Median(starts.Select(s => s.Startup.WorkerConnected)), Median(starts.Select(s => s.Startup.FunctionsLoaded)),
            firstAnswer, Math.Round(starts.Min(s => s.FirstAnswer).TotalMilliseconds, 1), Math.Round(starts.Max(s => s.FirstAnswer).TotalMilliseconds, 1),
            rss.Length == 0 ? null : Math.Round(rss[rss.Length / 2] / (1024.0 * 1024.0), 1),
            baseline is null || baseline.FirstAnswerMs <= 0 ? null : Math.Round(firstAnswer / baseline.FirstAnswerMs, 2));
    }

    /// <summary>The warm runs: one client, each request sent as soon as the last is answered, for a fixed time after a
    /// warm-up, with the processor time of the worker (if any), Azurite and the benchmark (the host is in it).</summary>
    private sealed class Warm(BenchReport report, int? azuritePid, TimeSpan duration)
    {
        public async Task<Throughput> RunAsync(
            string what, LoadOperation operation, int? workerPid, Throughput? raw, CancellationToken cancellationToken)
        {
            var measure = $"{what}, 1 client";
            Progress($"{measure}: {WarmUp.TotalSeconds:0} s warm-up, then {duration.TotalSeconds:0} s…");
            await ClosedLoopLoad.RunAsync(1, WarmUp, operation, cancellationToken);
            var memory = workerPid is { } pid ? MemorySampler.Start(pid) : null;
            var cpu = CpuClock.Start(workerPid, azuritePid);
            var result = await ClosedLoopLoad.RunAsync(1, duration, operation, cancellationToken);
            var used = cpu.Stop();
            if (memory is not null)
            {
                await using (memory)
                {
                    report.Memory.Add(await memory.StopAsync(measure, targetMb: null));
                }
            }
            var throughput = new Throughput(measure, result.Requests - result.Errors, "responses", Math.Round(result.Elapsed.TotalSeconds, 3), result.Requests)
            {
                Errors = result.Errors,
                LatencyMs = result.LatencyMs,
                Cpu = used,
            };
            throughput = raw is null ? throughput : throughput.RelativeTo(raw);
            report.Throughputs.Add(throughput);
            if (result.Errors > 0)
            {
                report.Notes.Add($"{measure}: {result.Errors} of {result.Requests} requests failed; the first: {result.FirstError}");
            }
            Progress($"  {throughput.PerSecond:0} responses/s, p50 {result.LatencyMs?.P50:0.00} ms, p99 {result.LatencyMs?.P99:0.00} ms, {result.Errors} errors");
            return throughput;
        }

        /// <summary>GET /api/health through the host to <paramref name="subject"/>'s worker (anonymous: no key, no
        /// token, as the plain endpoint gets), and what the host saw of the same requests' invocations.</summary>
        public async Task<Throughput> ThroughHostAsync(Subject subject, Throughput raw, CancellationToken cancellationToken)
        {
            await using var app = await subject.LaunchAsync();
            using var client = new LoadHttpClient(app.BaseAddress, token: null, functionKey: null, clients: 1);
            var from = DateTimeOffset.UtcNow;
            var result = await RunAsync($"GET /api/health through the host: {subject.Name}", client.Get(HealthPath, 200), app.Host.WorkerProcessId, raw, cancellationToken);
            if (app.Host.WorkerStarts != 1)
            {
                throw new InvalidOperationException($"{subject.Name} was restarted during its warm run.\n{app.Log()}");
            }
            // The host keeps the last 1,000 invocations: InvocationRequest sent to InvocationResponse read.
            var invocations = app.Host.RecentInvocations
                .Where(i => i.FunctionName == HealthFunction && i.StartedAt >= from + WarmUp)
                .Select(i => i.Duration.TotalMilliseconds)
                .ToList();
            if (Latencies.Of(invocations) is { } share)
            {
                report.Notes.Add(FormattableString.Invariant(
                    $"{subject.Name}: of each request, the invocation (InvocationRequest sent to InvocationResponse read, the host's last {invocations.Count}) took p50 {share.P50:0.00} ms, p99 {share.P99:0.00} ms."));
            }
            return result;
        }

        /// <summary>A sentence: what <paramref name="measured"/> adds to a request over <paramref name="raw"/>, at p50 and p99.</summary>
        public static string Added(string what, Throughput measured, Throughput raw, string rawName)
        {
            if (measured.LatencyMs is not { } mine || raw.LatencyMs is not { } theirs)
            {
                return $"{what}: no latencies to compare with {rawName}.";
            }
            string Times(double a, double b) => b > 0 ? FormattableString.Invariant($" (x{a / b:0.0})") : "";
            return FormattableString.Invariant(
                $"{what}: p50 {mine.P50:0.00} ms, p99 {mine.P99:0.00} ms against {rawName}'s {theirs.P50:0.00} / {theirs.P99:0.00} ms: ")
                + FormattableString.Invariant($"+{mine.P50 - theirs.P50:0.00} ms at p50{Times(mine.P50, theirs.P50)}, +{mine.P99 - theirs.P99:0.00} ms at p99{Times(mine.P99, theirs.P99)}.");
        }
    }

    private static void Progress(string message) => Console.WriteLine(message);
}
