using System.Diagnostics;
using System.Text.Json;
using Finance.Benchmarks.Harness;
using Finance.Benchmarks.Posting;
using Finance.Functions.Access;
using Finance.Storage;
using Finance.Storage.Tables;
using Finance.Testing;

namespace Finance.Benchmarks.Close;

/// <summary>
/// How long month end takes and how it grows with the number of pools: sets of 10, 20, 50 and 100 pools of 200 lines,
/// each set in its own financial year, closed for month 1 by one firing of the month-end timer (the path the issue is
/// about), then for month 2 through <c>POST /api/pools/{pool}/closes/{year}/{month}</c> by four clients; beside the raw
/// Azurite read of the same pools' ledger partitions in the same run, with the handler's memory and the processor time
/// of the handler and Azurite per run.
/// </summary>
internal sealed class CloseScenario : IScenario
{
    /// <summary>The issue's target: 100 pools closed in at most 10 s, i.e. 100 ms a pool.</summary>
    public const double TargetSecondsPer100Pools = 10;

    /// <summary>Growing linearly: time(largest set) ÷ time(smallest) at most this many times the ratio of their sizes
    /// (12 for 100 against 10 pools).</summary>
    public const double MaxGrowthOverLinear = 1.2;

    /// <summary>Clients set-up and the HTTP closes use at once, each on its own pool.</summary>
    public const int ConcurrentClients = 4;

    public const string Lead = "bench-lead";

    public const string Administrator = "bench-admin";

    /// <summary>The pool closed once through each path before anything is timed (JIT, connections), in a year of its own.</summary>
    private static readonly CloseSet WarmUp = CloseSet.Of(new BenchYear(2020), 1);

    public string Verb => "close";

    public string Summary => "month end for 10, 20, 50, 100 pools of 200 lines: timer vs POST /closes (4 clients) vs raw partition reads";

    public IReadOnlyList<string> Options { get; } = [];

    /// <summary>The pools per set, smallest first, and the lines per pool.</summary>
    private sealed record Plan(IReadOnlyList<int> SetSizes, int Lines)
    {
        public static Plan Full { get; } = new([10, 20, 50, 100], 200);

        public static Plan Quick { get; } = new([2, 5, 10], 50);

        /// <summary>One set per financial year, the largest in 2024/25 and each smaller one a year earlier: the timer
        /// closes every pool of the year that is due, so a set is exactly one year's pools.</summary>
        public IReadOnlyList<CloseSet> Sets => [.. SetSizes.Select((size, i) => CloseSet.Of(new BenchYear(2024 - (SetSizes.Count - 1 - i)), size))];
    }

    /// <summary>What every measured run reports to, the processes whose time it reads, and the raw Table client.</summary>
    private sealed record Measured(HandlerUnderTest Handler, int? AzuritePid, BenchReport Report, TableServiceClient Tables);

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
        var tables = new TableServiceClient(StorageConnection.Parse(azurite.ConnectionString));

        Progress($"Starting the handler ({AppProcess.HandlerAssembly()})…");
        await using var handler = await HandlerUnderTest.StartAsync(azurite, cancellationToken);
        report.HandlerConfiguration = handler.Configuration;
        if (handler.Configuration != "Release")
        {
            report.Notes.Add("The handler is a Debug build: run with -c Release for figures worth comparing.");
        }
        try
        {
            await MeasureAsync(new Measured(handler, azuritePid, report, tables), plan, cancellationToken);
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
        var (handler, _, report, _) = measured;
        var administrator = handler.ClientFor(Administrator, [], Role.Administrator);
        var manager = handler.ClientFor(BenchPools.Manager, [BenchPools.Council], Role.PoolManager);
        var lead = handler.ClientFor(Lead, [BenchPools.Council], Role.FinanceLead);
        var pools = new ClosePools(manager, lead);
        var sets = plan.Sets;
        var everySet = sets.Prepend(WarmUp).ToList();
        report.Notes.Add(Invariant(
            $"Workload: sets of {string.Join(", ", sets.Select(s => s.Pools.Count))} pools ({string.Join(", ", sets.Select(s => s.Year.Text))}) of {plan.Lines} lines each{(plan == Plan.Quick ? " (quick)" : "")}, plus 1 warm-up pool in {WarmUp.Year.Text}."));

        // 1. Set-up, not timed: every pool of every set ready for month 1 to close.
        var poolCount = everySet.Sum(s => s.Pools.Count);
        Progress($"Setting up {poolCount} pools × {plan.Lines} lines through the API ({ConcurrentClients} clients)…");
        var clock = Stopwatch.StartNew();
        await new BenchPools(administrator, manager).CreateOrganisationsAsync(cancellationToken);
        await ForEachPoolAsync(everySet, "set up", (set, pool, ct) => pools.CreateAsync(pool, set.Year, plan.Lines, ct), cancellationToken);
        var setUpSeconds = clock.Elapsed.TotalSeconds;
        var postings = 2 * (int)Math.Ceiling(plan.Lines / (double)ClosePools.EntriesPerPosting) + 1;
        report.Notes.Add(Invariant(
            $"Set-up (not timed): {poolCount} pools in {setUpSeconds:0} s by {ConcurrentClients} clients; each a pool (autoClose), a stream, an agreement, {plan.Lines} lines and {ClosePools.EntriesPerPool(plan.Lines, 1)} entries in {postings} postings (commitments, allocation + contribution, a month-1 actual per line)."));
        Progress($"  {poolCount} pools in {setUpSeconds:0} s");
        report.Notes.Add("Findings before closing month 1 (first pool of each set): "
            + string.Join("; ", await FindingsAsync(pools, sets, month: 1, cancellationToken)) + ".");

        // 2a. The timer: one firing per set's year, after one on the warm-up pool's.
        using var timer = new MonthEndTimer(handler.BaseAddress);
        Progress($"Warm-up: month end for {WarmUp.Name}…");
        await MonthEndTimer.CheckClosedAsync(administrator, WarmUp, await timer.FireAsync(WarmUp.Year.MonthOneDueUtc, cancellationToken), cancellationToken);
        var timerRuns = new List<SetRun>();
        foreach (var set in sets)
        {
            var raw = await RawAsync(measured, set, ClosePools.EntriesPerPool(plan.Lines, 1), cancellationToken);
            if (set == sets[^1])
            {
                await ReconcileOnlyAsync(measured, manager, set, raw, cancellationToken);
            }
            var result = await TimedAsync(measured, $"timer POST /{Finance.Functions.Closes.MonthEnd.TimerName} (1 request), month 1: {set.Name}", set, raw, set == sets[^1], async () =>
            {
                var sent = Stopwatch.StartNew();
                var log = await timer.FireAsync(set.Year.MonthOneDueUtc, cancellationToken);
                var elapsedMs = sent.Elapsed.TotalMilliseconds;
                await MonthEndTimer.CheckClosedAsync(administrator, set, log, cancellationToken);
                // One "latency": the whole run, every pool of the set.
                return [elapsedMs];
            });
            timerRuns.Add(new SetRun(set, result));
        }
        AddGrowth(report, "timer", timerRuns);

        // 2b. POST /closes per pool, four clients: month 2 of the same pools (month 1 stays closed), once each pool has a
        // month-2 actual on every line like month 1.
        Progress($"Posting month-2 actuals on every line of {poolCount} pools (not timed)…");
        clock.Restart();
        await ForEachPoolAsync(everySet, "given month-2 actuals", (_, pool, ct) => pools.SubmitActualsAsync(pool, month: 2, plan.Lines, ct), cancellationToken);
        Progress($"  in {clock.Elapsed.TotalSeconds:0} s");
        report.Notes.Add("Findings before closing month 2 (first pool of each set): "
            + string.Join("; ", await FindingsAsync(pools, sets, month: 2, cancellationToken)) + ".");
        var closers = Enumerable.Range(0, ConcurrentClients).Select(_ => handler.ClientFor(BenchPools.Manager, [BenchPools.Council], Role.PoolManager)).ToList();
        Progress($"Warm-up: POST /closes month 2 for {WarmUp.Name}…");
        await CloseConcurrentlyAsync(closers, WarmUp, month: 2, cancellationToken);
        var httpRuns = new List<SetRun>();
        foreach (var set in sets)
        {
            var raw = await RawAsync(measured, set, ClosePools.EntriesPerPool(plan.Lines, 2), cancellationToken);
            var result = await TimedAsync(measured, $"POST /closes/{{year}}/2, {ConcurrentClients} clients: {set.Name}", set, raw, set == sets[^1],
                () => CloseConcurrentlyAsync(closers, set, month: 2, cancellationToken));
            httpRuns.Add(new SetRun(set, result));
        }
        AddGrowth(report, "POST /closes", httpRuns);
        report.Notes.Add(Invariant(
            $"The POST /closes runs close month 2 of the pools the timer closed month 1 of (a closed month stays closed): by then each pool holds {ClosePools.EntriesPerPool(plan.Lines, 2)} entries, month 1's link in its chain, and the raw rows before them are read again."));
    }

    /// <summary>Runs <paramref name="action"/> on every pool of <paramref name="sets"/>, <see cref="ConcurrentClients"/>
    /// pools at a time, printing progress every tenth of the way.</summary>
    private static async Task ForEachPoolAsync(
        IReadOnlyList<CloseSet> sets, string what, Func<CloseSet, string, CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        var all = sets.SelectMany(set => set.Pools.Select(pool => (Set: set, Pool: pool))).ToList();
        var done = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(all, new ParallelOptions { MaxDegreeOfParallelism = ConcurrentClients, CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                await action(item.Set, item.Pool, ct);
                var count = Interlocked.Increment(ref done);
                if (count % Math.Max(1, all.Count / 10) == 0 && count < all.Count)
                {
                    Progress($"  {count}/{all.Count} pools {what} ({clock.Elapsed.TotalSeconds:0} s)");
                }
            });
    }

    private static async Task<List<string>> FindingsAsync(ClosePools pools, IReadOnlyList<CloseSet> sets, int month, CancellationToken cancellationToken)
    {
        var found = new List<string>();
        foreach (var set in sets)
        {
            found.Add($"{set.Pools[0]}: {await pools.CheckNothingBlocksAsync(set.Pools[0], set.Year, month, cancellationToken)}");
        }
        return found;
    }

    private static async Task<Throughput> RawAsync(Measured measured, CloseSet set, int journalRowsPerPool, CancellationToken cancellationToken)
    {
        Progress($"Raw baseline: reading the ledger partitions of {set.Name}…");
        var raw = await RawPartitionReads.RunAsync(measured.Tables, set, journalRowsPerPool, measured.AzuritePid, cancellationToken);
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

    /// <summary>Closes <paramref name="month"/> of every pool of <paramref name="set"/> through the HTTP close, each client
    /// taking the next pool as soon as its last close is answered; every answer must be 201 with a close link for the month.
    /// Returns each close's latency in the order sent.</summary>
    private static async Task<List<double>> CloseConcurrentlyAsync(List<ApiClient> clients, CloseSet set, int month, CancellationToken cancellationToken)
    {
        var next = -1;
        var clock = Stopwatch.StartNew();
        var latencies = new (TimeSpan Sent, double Ms)[set.Pools.Count];
        await Task.WhenAll(clients.Select(async client =>
        {
            for (var i = Interlocked.Increment(ref next); i < set.Pools.Count; i = Interlocked.Increment(ref next))
            {
                var path = Invariant($"api/pools/{set.Pools[i]}/closes/{set.Year.Route}/{month}");
                var sent = clock.Elapsed;
                var answer = await client.ExpectAsync(HttpMethod.Post, path, new { }, [201], cancellationToken);
                latencies[i] = (sent, (clock.Elapsed - sent).TotalMilliseconds);
                var link = answer.Json();
                if (!link.TryGetProperty("kind", out var kind) || kind.GetString() != "close"
                    || !link.TryGetProperty("month", out var closed) || closed.ValueKind != JsonValueKind.Number || closed.GetInt32() != month)
                {
                    throw new ApiCallFailedException($"POST /{path} answered 201 but not with the close link of month {month}.", answer.Body);
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

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    private static void Progress(FormattableString message) => Console.WriteLine(FormattableString.Invariant(message));

    private static void Progress(string message) => Console.WriteLine(message);
}
