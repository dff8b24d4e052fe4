using System.Diagnostics;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Finance.Benchmarks.Harness;
using Finance.Benchmarks.Posting;
using Finance.Domain.Principals;
using Finance.Testing;

namespace Finance.Benchmarks.Close;

/// <summary>
/// How long month end takes and how it grows with the number of pools: 100 pools of 200 lines in 2024/25, of which the
/// first 10, 20, 50 and all 100 have month 1 closed by one firing of the month-end timer (the path the issue is about),
/// then the same sets through <c>POST /api/pools/{pool}/closes/{year}/{month}</c> by four clients; beside the raw Azurite
/// read of the same pools' ledger partitions in the same run, with the handler's memory and the processor time of the
/// handler and Azurite per run.
/// </summary>
/// <remarks>
/// One set of pools serves every run, so the tables are the same for each (Azurite's reads slow down as a table grows):
/// the timer closes every auto-closing pool of the year due, so the pools outside a set are moved to a year never due
/// (a PUT of the pool; its 2024/25 ledger stays where it is) and moved back for the next set; a month closed by one run
/// is reopened (with a reason, as a pool manager would) before the next run closes it again. Setting 200 lines up through
/// the API is the slow part of the run (line by line, about 3 s a pool here), which is why the sets are not disjoint.
/// </remarks>
internal sealed class CloseScenario : IScenario
{
    /// <summary>The issue's target: 100 pools closed in at most 10 s, i.e. 100 ms a pool.</summary>
    public const double TargetSecondsPer100Pools = 10;

    /// <summary>Growing linearly: time(largest set) ÷ time(smallest) at most this many times the ratio of their sizes
    /// (12 for 100 against 10 pools).</summary>
    public const double MaxGrowthOverLinear = 1.2;

    /// <summary>Clients set-up, reopening and the HTTP closes use at once, each on its own pool.</summary>
    public const int ConcurrentClients = 4;

    public const string Lead = "bench-lead";

    public const string Administrator = "bench-admin";

    /// <summary>The issue's year: every measured close is of its month 1.</summary>
    private static readonly BenchYear Year = new(2024);

    /// <summary>Where the pools outside the set being closed wait: a year whose month end is never fired.</summary>
    private static readonly BenchYear Parked = new(2019);

    /// <summary>The pool closed once through each path before anything is timed (JIT, connections), in a year of its own.</summary>
    private static readonly CloseSet WarmUp = new(new BenchYear(2023), ["close-warm-up"]);

    public string Verb => "close";

    public string Summary => "month end for 10, 20, 50, 100 pools of 200 lines: timer vs POST /closes (4 clients) vs raw partition reads";

    public IReadOnlyList<string> Options { get; } = [];

    /// <summary>The pools in each set, smallest first (the last is every pool), and the lines per pool.</summary>
    private sealed record Plan(IReadOnlyList<int> SetSizes, int Lines)
    {
        public static Plan Full { get; } = new([10, 20, 50, 100], 200);

        public static Plan Quick { get; } = new([2, 5, 10], 50);

        public IReadOnlyList<string> Pools => [.. Enumerable.Range(1, SetSizes[^1]).Select(i => Invariant($"close-{i:D3}"))];

        /// <summary>Each set is the first n pools.</summary>
        public IReadOnlyList<CloseSet> Sets => [.. SetSizes.Select(size => new CloseSet(Year, [.. Pools.Take(size)]))];
    }

    /// <summary>What every measured run reports to, the processes whose time it reads, and the raw storage clients.</summary>
    private sealed record Measured(HandlerUnderTest Handler, int? AzuritePid, BenchReport Report, TableServiceClient Tables, BlobServiceClient Blobs);

    /// <summary>One path's timed run of one set: its row, for the growth row.</summary>
    private sealed record SetRun(CloseSet Set, Throughput Result);

    public async Task RunAsync(BenchOptions options, BenchReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(report);
        var plan = options.Quick ? Plan.Quick : Plan.Full;

        Progress("Starting Azurite (in memory)…");
        await using var azurite = await Azurite.StartAsync();
        var azuritePid = LinuxProcesses.FindAzurite(azurite.TablePort);
        var storage = Finance.Storage.LedgerStorage.ForConnectionString(azurite.ConnectionString);

        Progress($"Starting the handler ({AppProcess.HandlerAssembly()})…");
        await using var handler = await HandlerUnderTest.StartAsync(azurite, cancellationToken);
        report.HandlerConfiguration = handler.Configuration;
        if (handler.Configuration != "Release")
        {
            report.Notes.Add("The handler is a Debug build: run with -c Release for figures worth comparing.");
        }
        try
        {
            var measured = new Measured(handler, azuritePid, report, storage.Tables, storage.Blobs);
            await MeasureAsync(measured, plan, cancellationToken);
        }
        catch (Exception e) when (e is ApiCallFailedException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var output = handler.App.Output.Trim();
            if (output.Length > 0)
            {
                await Console.Error.WriteLineAsync($"Handler output (last 4,000 characters):\n{output[Math.Max(0, output.Length - 4000)..]}");
            }
            throw e as ApiCallFailedException ?? new ApiCallFailedException($"Calling the handler failed: {e.Message}", e.ToString());
        }
    }

    private static async Task MeasureAsync(Measured measured, Plan plan, CancellationToken cancellationToken)
    {
        var (handler, _, report, _, _) = measured;
        var administrator = handler.ClientFor(Administrator, [], Role.Administrator);
        var manager = handler.ClientFor(BenchPools.Manager, [BenchPools.Council], Role.PoolManager);
        var lead = handler.ClientFor(Lead, [BenchPools.Council], Role.FinanceLead);
        var pools = new ClosePools(manager, lead);
        var sets = plan.Sets;
        var entries = ClosePools.EntriesPerPool(plan.Lines);
        report.Notes.Add(Invariant(
            $"Workload: {plan.Pools.Count} pools of {plan.Lines} lines in {Year.Text}{(plan == Plan.Quick ? " (quick)" : "")}; month 1 closed for the first {string.Join(", ", sets.Select(s => s.Pools.Count))} of them in turn; 1 warm-up pool in {WarmUp.Year.Text}."));

        // 1. Set-up, not timed: every pool ready for month 1 to close.
        var poolCount = plan.Pools.Count + 1;
        Progress($"Setting up {poolCount} pools × {plan.Lines} lines through the API ({ConcurrentClients} clients)…");
        var clock = Stopwatch.StartNew();
        await new BenchPools(administrator, manager).CreateOrganisationsAsync(cancellationToken);
        await ForEachPoolAsync([.. plan.Pools.Select(p => (Year, p)), (WarmUp.Year, WarmUp.Pools[0])], "set up",
            (year, pool, ct) => pools.CreateAsync(pool, year, plan.Lines, ct), cancellationToken);
        var setUpSeconds = clock.Elapsed.TotalSeconds;
        report.Notes.Add(Invariant(
            $"Set-up (not timed): {poolCount} pools in {setUpSeconds:0} s by {ConcurrentClients} clients; each a pool (autoClose), a stream, an agreement, {plan.Lines} lines (a PUT each) and {entries} entries in {ClosePools.PostingsPerPool(plan.Lines)} postings (commitments, allocation + contribution, a month-1 actual per line)."));
        Progress($"  {poolCount} pools in {setUpSeconds:0} s");
        report.Notes.Add($"Findings for month 1 before any close ({plan.Pools[0]}): {await pools.CheckNothingBlocksAsync(plan.Pools[0], Year, 1, cancellationToken)}.");

        // 2a. The timer: one firing of 2024/25's month 1 per set, with only that set's pools in 2024/25.
        using var timer = new MonthEndTimer(handler.BaseAddress);
        Progress($"Warm-up: month end for {WarmUp.Year.Text} ({WarmUp.Pools[0]})…");
        await MonthEndTimer.CheckClosedAsync(administrator, WarmUp, await timer.FireAsync(WarmUp.Year.MonthOneDueUtc, cancellationToken), cancellationToken);
        Progress($"Moving {plan.Pools.Count - sets[0].Pools.Count} pools out of {Year.Text} (to {Parked.Text}) until their set's turn…");
        await ForEachPoolAsync([.. plan.Pools.Skip(sets[0].Pools.Count).Select(p => (Parked, p))], "moved", (year, pool, ct) => pools.MoveAsync(pool, year, ct), cancellationToken);
        var raws = new Dictionary<CloseSet, Throughput>();
        var timerRuns = new List<SetRun>();
        CloseSet? closed = null;
        foreach (var set in sets)
        {
            if (closed is not null)
            {
                await PrepareAsync(pools, set, closed, cancellationToken);
            }
            var raw = raws[set] = await RawAsync(measured, set, entries, cancellationToken);
            if (set == sets[^1])
            {
                // Where a pool's close time goes: one read of its journal, and one reconciliation without the close.
                await RawAsync(measured, set, entries, cancellationToken, journalOnly: true);
                await ReconcileOnlyAsync(measured, manager, set, raw, cancellationToken);
            }
            var result = await TimedAsync(measured, $"timer POST /{Finance.Functions.Closes.MonthEnd.TimerName} (1 request), month 1: {set.Name}", set, raw,
                set == sets[^1], async () =>
                {
                    var sent = Stopwatch.StartNew();
                    var log = await timer.FireAsync(set.Year.MonthOneDueUtc, cancellationToken);
                    var elapsedMs = sent.Elapsed.TotalMilliseconds;
                    await MonthEndTimer.CheckClosedAsync(administrator, set, log, cancellationToken);
                    // One "latency": the whole run, every pool of the set.
                    return [elapsedMs];
                });
            timerRuns.Add(new SetRun(set, result));
            closed = set;
        }
        AddGrowth(report, "timer", timerRuns);
        report.Notes.Add(await LinkSizesAsync(measured.Blobs, plan.Pools[0], cancellationToken));

        // 2b. POST /closes per pool, four clients, on the same sets: month 1 again, reopened after each run.
        var closers = Enumerable.Range(0, ConcurrentClients).Select(_ => handler.ClientFor(BenchPools.Manager, [BenchPools.Council], Role.PoolManager)).ToList();
        Progress($"Warm-up: reopen and POST /closes month 1 for {WarmUp.Pools[0]}…");
        await pools.ReopenAsync(WarmUp.Pools[0], WarmUp.Year, 1, cancellationToken);
        await CloseConcurrentlyAsync(closers, WarmUp, cancellationToken);
        var httpRuns = new List<SetRun>();
        foreach (var set in sets)
        {
            await PrepareAsync(pools, set, closed!, cancellationToken);
            if (set == sets[0])
            {
                report.Notes.Add($"Findings for month 1 after a close and a reopening ({plan.Pools[0]}): {await pools.CheckNothingBlocksAsync(plan.Pools[0], Year, 1, cancellationToken)}.");
            }
            var result = await TimedAsync(measured, $"POST /closes/{{year}}/1, {ConcurrentClients} clients: {set.Name}", set, raws[set], set == sets[^1],
                () => CloseConcurrentlyAsync(closers, set, cancellationToken));
            httpRuns.Add(new SetRun(set, result));
            closed = set;
        }
        AddGrowth(report, "POST /closes", httpRuns);
        report.Notes.Add(Invariant(
            $"Every run closes month 1 of {Year.Text}: pools closed by an earlier run were reopened first (not timed), so they close again the same {entries} entries; each reopening and close adds a link to the pool's chain. The POST /closes rows are compared with the raw read of the same set in the timer phase (the same rows)."));
    }

    /// <summary>Makes <paramref name="set"/> the pools of <see cref="Year"/> that month end will find open: those of it
    /// moved out earlier come back, and month 1 of those <paramref name="closed"/> by the last run is reopened.</summary>
    private static async Task PrepareAsync(ClosePools pools, CloseSet set, CloseSet closed, CancellationToken cancellationToken)
    {
        var back = set.Pools.Skip(closed.Pools.Count).Select(p => (Year, p)).ToList();
        Progress($"Preparing {set.Name}: {back.Count} moved back to {Year.Text}, month 1 of {closed.Pools.Count} reopened (not timed)…");
        await ForEachPoolAsync(back, "moved back", (year, pool, ct) => pools.MoveAsync(pool, year, ct), cancellationToken);
        await ForEachPoolAsync([.. closed.Pools.Select(p => (Year, p))], "reopened", (year, pool, ct) => pools.ReopenAsync(pool, year, 1, ct), cancellationToken);
    }

    /// <summary>Runs <paramref name="action"/> on every pool, <see cref="ConcurrentClients"/> at a time, printing progress
    /// every tenth of the way when there are many.</summary>
    private static async Task ForEachPoolAsync(
        List<(BenchYear Year, string Pool)> all, string what, Func<BenchYear, string, CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        var done = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(all, new ParallelOptions { MaxDegreeOfParallelism = ConcurrentClients, CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                await action(item.Year, item.Pool, ct);
                var count = Interlocked.Increment(ref done);
                if (all.Count >= 50 && count % (all.Count / 10) == 0 && count < all.Count)
                {
                    Progress($"  {count}/{all.Count} pools {what} ({clock.Elapsed.TotalSeconds:0} s)");
                }
            });
    }

    private static async Task<Throughput> RawAsync(
        Measured measured, CloseSet set, int journalRowsPerPool, CancellationToken cancellationToken, bool journalOnly = false)
    {
        Progress($"Raw baseline: reading the ledger {(journalOnly ? "journals" : "partitions")} of {set.Name}…");
        var raw = await RawPartitionReads.RunAsync(measured.Tables, set, journalRowsPerPool, journalOnly, measured.AzuritePid, cancellationToken);
        measured.Report.Throughputs.Add(raw);
        Progress($"  {raw.Seconds:0.00} s ({raw.Seconds * 1000 / set.Pools.Count:0.0} ms/pool)");
        return raw;
    }

    /// <summary>What reconciling alone costs (the first half of each pool's month end): GET /findings for month 1 of
    /// every pool of <paramref name="set"/>, one after another, before the timer closes them. No state changes.</summary>
    private static async Task ReconcileOnlyAsync(Measured measured, ApiClient manager, CloseSet set, Throughput raw, CancellationToken cancellationToken)
    {
        const string Measure = "GET /findings/{year}/1 (reconcile only), 1 client";
        Progress($"{Measure}: {set.Name}…");
        var cpu = CpuClock.Start(measured.Handler.ProcessId, measured.AzuritePid);
        var latenciesMs = new List<double>(set.Pools.Count);
        var clock = Stopwatch.StartNew();
        foreach (var pool in set.Pools)
        {
            var sent = clock.Elapsed;
            await manager.ExpectAsync(HttpMethod.Get, $"api/pools/{pool}/findings/{set.Year.Route}/1", null, [200], cancellationToken);
            latenciesMs.Add((clock.Elapsed - sent).TotalMilliseconds);
        }
        var result = new Throughput($"{Measure}: {set.Name}", set.Pools.Count, "pools", Math.Round(clock.Elapsed.TotalSeconds, 3), set.Pools.Count)
        {
            LatencyMs = Latencies.Of(latenciesMs),
            Cpu = cpu.Stop(),
        }.RelativeTo(raw);
        measured.Report.Throughputs.Add(result);
        Progress($"  {result.Seconds:0.00} s ({result.Seconds * 1000 / set.Pools.Count:0.0} ms/pool)");
    }

    /// <summary>One timed run closing <paramref name="set"/>: processor time and the handler's memory through it, its row
    /// compared with the raw read of the same pools, and the target on the largest set's row.</summary>
    private static async Task<Throughput> TimedAsync(
        Measured measured, string measure, CloseSet set, Throughput raw, bool largest, Func<Task<List<double>>> run)
    {
        Progress($"{measure}…");
        var memory = MemorySampler.Start(measured.Handler.ProcessId);
        List<double> latenciesMs;
        TimeSpan elapsed;
        CpuUse cpu;
        await using (memory)
        {
            var clock = CpuClock.Start(measured.Handler.ProcessId, measured.AzuritePid);
            var wall = Stopwatch.StartNew();
            latenciesMs = await run();
            elapsed = wall.Elapsed;
            cpu = clock.Stop();
            measured.Report.Memory.Add(await memory.StopAsync(measure, targetMb: null));
        }
        var pools = set.Pools.Count;
        var targetSeconds = TargetSecondsPer100Pools * pools / 100;
        // "requests" counts pools closed, so the per-request columns are per pool on every row (the timer closes a
        // whole set in one request).
        var result = new Throughput(measure, pools, "pools", Math.Round(elapsed.TotalSeconds, 3), pools)
        {
            LatencyMs = Latencies.Of(latenciesMs),
            Cpu = cpu,
            Targets = largest
                ? [new Target(pools == 100 ? Invariant($"<= {targetSeconds:0} s") : Invariant($"<= {targetSeconds:0.#} s (10 s per 100 pools)"), elapsed.TotalSeconds <= targetSeconds)]
                : null,
        }.RelativeTo(raw);
        measured.Report.Throughputs.Add(result);
        Progress($"  {result.Seconds:0.00} s ({result.Seconds * 1000 / pools:0.0} ms/pool, {result.RatioToRaw:P0} of the raw read rate)");
        return result;
    }

    /// <summary>Closes month 1 of every pool of <paramref name="set"/> through the HTTP close, each client taking the next
    /// pool as soon as its last close is answered; every answer must be 201 with a close link of month 1. Returns each
    /// close's latency in the order sent.</summary>
    private static async Task<List<double>> CloseConcurrentlyAsync(List<ApiClient> clients, CloseSet set, CancellationToken cancellationToken)
    {
        var next = -1;
        var clock = Stopwatch.StartNew();
        var latencies = new (TimeSpan Sent, double Ms)[set.Pools.Count];
        await Task.WhenAll(clients.Select(async client =>
        {
            for (var i = Interlocked.Increment(ref next); i < set.Pools.Count; i = Interlocked.Increment(ref next))
            {
                var path = $"api/pools/{set.Pools[i]}/closes/{set.Year.Route}/1";
                var sent = clock.Elapsed;
                var answer = await client.ExpectAsync(HttpMethod.Post, path, new { }, [201], cancellationToken);
                latencies[i] = (sent, (clock.Elapsed - sent).TotalMilliseconds);
                var link = answer.Json();
                if (!link.TryGetProperty("kind", out var kind) || kind.GetString() != "close"
                    || !link.TryGetProperty("month", out var month) || month.ValueKind != JsonValueKind.Number || month.GetInt32() != 1)
                {
                    throw new ApiCallFailedException($"POST /{path} answered 201 but not with the close link of month 1.", answer.Body);
                }
            }
        }));
        return [.. latencies.OrderBy(l => l.Sent).Select(l => l.Ms)];
    }

    /// <summary>
    /// How the time grows from the smallest set to the largest: time(largest) ÷ time(smallest) against the ratio of their
    /// sizes (linear), as a row whose rate is the marginal one (pools added ÷ seconds added, fixed costs left out), with
    /// a note listing every set's seconds and milliseconds per pool.
    /// </summary>
    private static void AddGrowth(BenchReport report, string path, List<SetRun> runs)
    {
        var (smallest, largest) = (runs[0], runs[^1]);
        var linear = (double)largest.Set.Pools.Count / smallest.Set.Pools.Count;
        var ratio = smallest.Result.Seconds > 0 ? largest.Result.Seconds / smallest.Result.Seconds : double.PositiveInfinity;
        var limit = linear * MaxGrowthOverLinear;
        report.Throughputs.Add(new Throughput(
            Invariant($"growth, {path}: {smallest.Set.Pools.Count} -> {largest.Set.Pools.Count} pools, time x{ratio:0.00} (linear x{linear:0.#})"),
            largest.Set.Pools.Count - smallest.Set.Pools.Count, "pools added",
            Math.Round(Math.Max(0, largest.Result.Seconds - smallest.Result.Seconds), 3), runs.Count)
        {
            Targets = [new Target(Invariant($"time x <= {limit:0.#}"), ratio <= limit)],
        });
        var perSet = runs.Select(r => Invariant($"{r.Set.Pools.Count} pools {r.Result.Seconds:0.00} s ({r.Result.Seconds * 1000 / r.Set.Pools.Count:0} ms/pool)"));
        report.Notes.Add(Invariant($"Growth, {path}: {string.Join("; ", perSet)}; time({largest.Set.Pools.Count})/time({smallest.Set.Pools.Count}) = {ratio:0.00} (linear: {linear:0.#})."));
        Progress($"Growth, {path}: time x{ratio:0.00} for x{linear:0.#} pools");
    }

    /// <summary>The size of what one close writes for <paramref name="pool"/> (its first link: JSON with the frozen
    /// statement and findings, and the CSV), read raw from the statements container: the handler keeps the links it
    /// reads in memory.</summary>
    private static async Task<string> LinkSizesAsync(BlobServiceClient blobs, string pool, CancellationToken cancellationToken)
    {
        var container = blobs.GetBlobContainerClient(Finance.Storage.StorageNames.StatementsContainer);
        var sizes = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = $"{pool}/{Year.Route}/0001-" }, cancellationToken))
        {
            var bytes = (await container.GetBlobClient(blob.Name).DownloadContentAsync(cancellationToken)).Value.Content.ToArray().Length;
            sizes.Add(Invariant($"{Path.GetExtension(blob.Name).TrimStart('.')} {bytes / 1024.0:0} KB"));
        }
        return $"One close of a pool writes its link (JSON, with the frozen statement and the findings) and a CSV: for {pool}, {(sizes.Count == 0 ? "none found" : string.Join(", ", sizes))}.";
    }

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    private static void Progress(FormattableString message) => Console.WriteLine(FormattableString.Invariant(message));

    private static void Progress(string message) => Console.WriteLine(message);
}
