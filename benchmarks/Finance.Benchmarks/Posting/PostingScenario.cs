using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Finance.Benchmarks.Harness;
using Finance.Domain.Principals;

namespace Finance.Benchmarks.Posting;

/// <summary>
/// How fast actuals reach the ledger through the API, against raw Table-service throughput measured on the same
/// Azurite in the same run: 100-entity transactions straight to a table (the ceiling), then the app's postings endpoint
/// through the local Functions host (typical and largest postings, one client; then four clients on four pools), then a
/// CSV import; with the worker's memory sampled through the posting and import phases.
/// </summary>
internal sealed partial class PostingScenario : IScenario
{
    /// <summary>The share of raw throughput the posting paths should reach.</summary>
    public const double TargetRatioToRaw = 0.70;

    /// <summary>The worker's resident set should stay below this while posting or importing.</summary>
    public const double TargetPeakMb = 300;

    /// <summary>Lines in every pool: enough that a typical posting touches distinct lines.</summary>
    public const int LinesPerPool = 200;

    /// <summary>Entries in a typical posting, each on a different line.</summary>
    public const int TypicalPostingSize = 32;

    public const int ConcurrentClients = 4;

    /// <summary>Entries asked for first when finding the largest posting: more than one transaction could hold.</summary>
    public const int ProbeStartSize = 100;

    /// <summary>Postings sent before measuring, so the worker's and the host's JIT and connections are warm.</summary>
    public const int WarmUpPostings = 20;

    public static readonly TimeSpan ImportPollInterval = TimeSpan.FromMilliseconds(100);

    public static readonly TimeSpan MaxImportWait = TimeSpan.FromMinutes(30);

    private const string ProbePool = "bench-probe";
    private const string TypicalPool = "bench-typical";
    private const string LargestPool = "bench-largest";
    private const string ImportPool = "bench-csv";

    private static readonly string[] ConcurrentPools = [.. Enumerable.Range(1, ConcurrentClients).Select(i => $"bench-concurrent-{i}")];

    public string Verb => "posting";

    public string Summary => "raw table batches vs POST /postings (1 and 4 clients) vs CSV import; worker peak memory";

    public IReadOnlyList<string> Options { get; } = [BenchOptions.LinesOption];

    public async Task RunAsync(BenchOptions options, BenchReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(report);
        var lines = options.Lines;

        await using var storage = await StorageUnderTest.StartAsync();

        Progress($"Raw baseline: {lines} entities in {RawTableBaseline.EntitiesPerTransaction}-entity transactions…");
        var raw = await RawTableBaseline.RunAsync(storage.Ledger.Tables, lines, storage.AzuritePid, cancellationToken);
        report.Throughputs.Add(raw);
        Progress($"  {raw.PerSecond:0} entities/s");

        await using var app = await AppUnderTest.StartAsync(storage.Azurite, report, cancellationToken);
        await app.MeasureAsync(() => MeasureAppAsync(new Measured(app, storage.AzuritePid, report, raw), lines, cancellationToken), cancellationToken);
    }

    /// <summary>What every measured run reports to and is compared with, and the processes whose time it reads.</summary>
    private sealed record Measured(AppUnderTest App, int? AzuritePid, BenchReport Report, Throughput Raw);

    /// <summary>One measured run: items moved, requests sent, wall time, and each request's latency in order.</summary>
    private sealed record Run(long Items, long Requests, TimeSpan Elapsed, IReadOnlyList<double> LatenciesMs);

    private static async Task MeasureAppAsync(Measured measured, int lines, CancellationToken cancellationToken)
    {
        var (app, _, report, _) = measured;
        var administrator = app.ClientFor("bench-admin", [], Role.Administrator);
        var manager = app.ClientFor(BenchPools.Manager, [BenchPools.Council], Role.PoolManager);
        var lead = app.ClientFor("bench-lead", [BenchPools.Council], Role.FinanceLead);

        var setup = new BenchPools(administrator, manager);
        Progress("Setting up organisations, pools, streams, agreements, lines and commitments…");
        var clock = Stopwatch.StartNew();
        await setup.CreateOrganisationsAsync(cancellationToken);
        var pools = new[] { ProbePool, TypicalPool, LargestPool, ImportPool }.Concat(ConcurrentPools).ToList();
        await Parallel.ForEachAsync(pools, new ParallelOptions { MaxDegreeOfParallelism = ConcurrentClients, CancellationToken = cancellationToken },
            async (pool, ct) => await setup.CreatePoolAsync(pool, LinesPerPool, ct));
        Progress($"  {pools.Count} pools × {LinesPerPool} lines in {clock.Elapsed.TotalSeconds:0.0} s");

        var largest = await LargestPostingAsync(lead, cancellationToken);
        Progress($"Largest posting the API accepts (one line): {largest} entries");
        foreach (var posting in Actuals.Postings(ProbePool + "-warm", WarmUpPostings * TypicalPostingSize, TypicalPostingSize, LineSpread.DistinctLines, LinesPerPool))
        {
            await LedgerApi.PostAsync(lead, ProbePool, posting, cancellationToken);
        }

        // Posting phase: one memory sampler across all three runs.
        var memory = MemorySampler.Start(app.WorkerProcessId);
        await using (memory)
        {
            await Measure(measured, $"POST /postings: {TypicalPostingSize} entries (distinct lines), 1 client", () =>
                PostSequentiallyAsync(lead, TypicalPool, lines, TypicalPostingSize, LineSpread.DistinctLines, cancellationToken));
            if (largest != TypicalPostingSize)
            {
                await Measure(measured, $"POST /postings: {largest} entries (one line), 1 client", () =>
                    PostSequentiallyAsync(lead, LargestPool, lines, largest, LineSpread.OneLinePerPosting, cancellationToken));
            }
            var leads = Enumerable.Range(1, ConcurrentClients)
                .Select(i => app.ClientFor($"bench-lead-{i}", [BenchPools.Council], Role.FinanceLead)).ToList();
            await Measure(measured, $"POST /postings: {TypicalPostingSize} entries, {ConcurrentClients} clients on {ConcurrentClients} pools", () =>
                PostConcurrentlyAsync(leads, lines, cancellationToken));
            report.Memory.Add(await memory.StopAsync("posting (all POST /postings runs)", TargetPeakMb));
        }

        var importMemory = MemorySampler.Start(app.WorkerProcessId);
        await using (importMemory)
        {
            await Measure(measured, "POST /imports: CSV, upload to applied", () => ImportAsync(lead, ImportPool, lines, cancellationToken));
            report.Memory.Add(await importMemory.StopAsync("CSV import", TargetPeakMb));
        }
    }

    private static async Task Measure(Measured measured, string measure, Func<Task<Run>> run)
    {
        Progress($"{measure}…");
        var cpu = CpuClock.Start(measured.App.WorkerProcessId, measured.AzuritePid);
        var (lines, requests, elapsed, latenciesMs) = await run();
        var result = new Throughput(measure, lines, "lines", Math.Round(elapsed.TotalSeconds, 3), requests)
        {
            LatencyMs = Latencies.Of(latenciesMs),
            Cpu = cpu.Stop(),
        }.ComparedWith(measured.Raw, TargetRatioToRaw);
        measured.Report.Throughputs.Add(result);
        Progress($"  {result.PerSecond:0} lines/s ({result.RatioToRaw:P0} of raw)");
    }

    private static async Task<Run> PostSequentiallyAsync(
        ApiClient client, string pool, int count, int perPosting, LineSpread spread, CancellationToken cancellationToken)
    {
        var postings = Actuals.Postings(pool, count, perPosting, spread, LinesPerPool).ToList();
        var latenciesMs = new List<double>(postings.Count);
        var clock = Stopwatch.StartNew();
        foreach (var posting in postings)
        {
            var sent = clock.Elapsed;
            await LedgerApi.PostAsync(client, pool, posting, cancellationToken);
            latenciesMs.Add((clock.Elapsed - sent).TotalMilliseconds);
        }
        return new Run(count, postings.Count, clock.Elapsed, latenciesMs);
    }

    /// <summary>Each client posts its share to its own pool, all at once; the time is until the last one finishes.</summary>
    private static async Task<Run> PostConcurrentlyAsync(List<ApiClient> clients, int count, CancellationToken cancellationToken)
    {
        var shares = Enumerable.Range(0, clients.Count).Select(i => count / clients.Count + (i < count % clients.Count ? 1 : 0)).ToList();
        var clock = Stopwatch.StartNew();
        var runs = await Task.WhenAll(clients.Select((client, i) =>
            PostSequentiallyAsync(client, ConcurrentPools[i], shares[i], TypicalPostingSize, LineSpread.DistinctLines, cancellationToken)));
        var elapsed = clock.Elapsed;
        // Interleaved by position, so the first and last tenths are the run's start and end across all clients.
        var latencies = Enumerable.Range(0, runs.Max(r => r.LatenciesMs.Count))
            .SelectMany(i => runs.Where(r => i < r.LatenciesMs.Count).Select(r => r.LatenciesMs[i]))
            .ToList();
        return new Run(runs.Sum(r => r.Items), runs.Sum(r => r.Requests), elapsed, latencies);
    }

    /// <summary>Uploads the actuals as CSV and polls the import until it is applied; the time is from the upload's start.</summary>
    private static async Task<Run> ImportAsync(
        ApiClient client, string pool, int count, CancellationToken cancellationToken)
    {
        var csv = Actuals.Csv(pool, count, LinesPerPool);
        var path = $"api/pools/{pool}/imports";
        var clock = Stopwatch.StartNew();
        using var content = new ByteArrayContent(csv);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        var answer = await client.SendAsync(HttpMethod.Post, path, content, cancellationToken);
        if (answer.Status is not (202 or 201 or 200))
        {
            throw client.Unexpected(HttpMethod.Post, path, answer);
        }
        var requests = 1L;
        var importId = answer.Json().TryGetProperty("importId", out var id) ? id.ToString() : "";
        var statusPath = importId.Length > 0 ? $"{path}/{Uri.EscapeDataString(importId)}" : answer.Location?.PathAndQuery.TrimStart('/')
            ?? throw new ApiCallFailedException($"POST /{path} answered {answer.Status} with neither an importId nor a Location.", answer.Body);
        var state = LedgerApi.ImportState(answer);
        while (state.Status != "applied")
        {
            if (state.Status == "failed")
            {
                throw new ApiCallFailedException($"The import of {count} rows into {pool} failed.", answer.Body);
            }
            if (clock.Elapsed > MaxImportWait)
            {
                throw new ApiCallFailedException($"The import of {count} rows into {pool} was not applied after {MaxImportWait}.", answer.Body);
            }
            await Task.Delay(ImportPollInterval, cancellationToken);
            answer = await client.ExpectAsync(HttpMethod.Get, statusPath, null, [200], cancellationToken);
            requests++;
            state = LedgerApi.ImportState(answer);
        }
        var elapsed = clock.Elapsed;
        if (state.RowsApplied != count || state.RowsTotal is not (-1) && state.RowsTotal != count)
        {
            throw new ApiCallFailedException($"The import of {count} rows says it applied {state.RowsApplied} of {state.RowsTotal}.", answer.Body);
        }
        // One "latency": the whole import, upload to applied.
        return new Run(count, requests, elapsed, [elapsed.TotalMilliseconds]);
    }

    /// <summary>
    /// The largest posting the API takes in one atomic posting, all on one line (the fewest balance rows): ask for more
    /// than a transaction could hold and follow the 413's "at most N" down. The accepted probe posts into the probe pool.
    /// </summary>
    private static async Task<int> LargestPostingAsync(ApiClient lead, CancellationToken cancellationToken)
    {
        var path = $"api/pools/{ProbePool}/postings";
        var size = ProbeStartSize;
        for (var attempt = 0; attempt < 10 && size > 0; attempt++)
        {
            var entries = Actuals.Postings($"{ProbePool}-{attempt}", size, size, LineSpread.OneLinePerPosting, LinesPerPool).Single();
            var answer = await lead.SendJsonAsync(HttpMethod.Post, path, new PostingBody(entries), cancellationToken);
            if (answer.Status == 201)
            {
                return size;
            }
            if (answer.Status != 413)
            {
                throw lead.Unexpected(HttpMethod.Post, path, answer);
            }
            size = MaximumIn(answer, size) ?? size * 3 / 4;
        }
        throw new ApiCallFailedException($"POST /{path}: no posting size from {ProbeStartSize} down was accepted.", "");
    }

    /// <summary>The largest entry count a 413 names: a numeric member such as maxEntries, else the first number below
    /// <paramref name="refused"/> in its detail.</summary>
    private static int? MaximumIn(ApiAnswer answer, int refused)
    {
        try
        {
            var json = answer.Json();
            foreach (var member in json.EnumerateObject())
            {
                if (member.Name.StartsWith("max", StringComparison.OrdinalIgnoreCase) && member.Value.ValueKind == JsonValueKind.Number
                    && member.Value.TryGetInt32(out var max) && max > 0 && max < refused)
                {
                    return max;
                }
            }
            var detail = json.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : "";
            return Number().Matches(detail)
                .Select(m => int.Parse(m.Value, NumberStyles.None, CultureInfo.InvariantCulture))
                .Where(n => n > 0 && n < refused)
                .Cast<int?>()
                .FirstOrDefault();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"\b\d{1,4}\b")]
    private static partial Regex Number();

    private static void Progress(FormattableString message) => Console.WriteLine(FormattableString.Invariant(message));

    private static void Progress(string message) => Console.WriteLine(message);
}
