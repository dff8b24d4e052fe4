using System.Diagnostics;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Finance.Benchmarks.Harness;
using Finance.Benchmarks.Posting;
using Finance.Domain.Principals;
using Finance.Functions.Closes;

namespace Finance.Benchmarks.Close;

/// <summary>
/// How long month end takes and how it grows with the number of pools: 100 pools of 200 lines in the financial year of
/// the month due today (<see cref="CloseMonth"/>), of which the first 10, 20, 50 and all 100 have that month closed by
/// one firing of the month-end timer through the local host (the path the issue is about), then the same sets through
/// <c>POST /api/pools/{pool}/closes/{year}/{month}</c> by four clients; beside the raw Azurite read of the same pools'
/// ledger partitions in the same run, with the worker's memory and the processor time of the worker, Azurite and the
/// benchmark (with the host in it) per run.
/// </summary>
/// <remarks>
/// <para>The worker takes the date from the machine's clock, so the month closed is the one due today with month end on
/// the first working day (<see cref="CloseMonth"/>); its pools are set up in that month's year with the months before it
/// closed (not timed). On the few days no month is due, the timer would close nothing, and month end runs per pool
/// through <c>POST /api/pools/{pool}/month-end?month=N</c> (the timer's work for one pool) instead; the report says so.</para>
/// <para>The timer takes every auto-closing pool of the year due, so sets sharing a year would interfere. One Azurite and
/// one app serve every run all the same, so the tables are the same for each (Azurite's reads slow down as a table grows)
/// and set-up is paid once: the pools outside a set are moved to a year never due (a PUT of the pool; its ledger of the
/// month's year stays where it is) and moved back for their set's turn; a month closed by one run is reopened (with a
/// reason, as a pool manager would) before the next run closes it again. Setting 200 lines up through the API is the slow
/// part of the run (line by line, about 3 s a pool here), which is why the sets are not disjoint, nor each on an Azurite
/// and an app of its own (180 pools set up instead of 100).</para>
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

    /// <summary>Years back from the month's to where pools outside the set being closed wait: a year never due.</summary>
    private const int ParkedYearsBack = 5;

    /// <summary>The pool month end closes once through each path before anything is timed (JIT, connections).</summary>
    private const string WarmUpPool = "close-warm-up";

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
        public IReadOnlyList<CloseSet> Sets(BenchYear year) => [.. SetSizes.Select(size => new CloseSet(year, [.. Pools.Take(size)]))];
    }

    /// <summary>What every measured run reports to, the processes whose time it reads, the raw storage clients, and the
    /// month closed.</summary>
    private sealed record Measured(AppUnderTest App, int? AzuritePid, BenchReport Report, TableServiceClient Tables, BlobServiceClient Blobs, CloseMonth Month);

    /// <summary>One path's timed run of one set: its row, for the growth row.</summary>
    private sealed record SetRun(CloseSet Set, Throughput Result);

    /// <summary>How month end of a whole set is run and timed: by the timer, or pool by pool when the timer is not due.
    /// <see cref="RunAsync"/> returns the latencies; <see cref="CheckAsync"/> runs after the clock has stopped;
    /// <see cref="LastLog"/> is what the worker logged of the last run, if anything.</summary>
    private sealed record MonthEndPath(
        string Name, string Measure, Func<CloseSet, CancellationToken, Task<List<double>>> RunAsync, Func<CloseSet, CancellationToken, Task> CheckAsync,
        Func<string?> LastLog);

    public async Task RunAsync(BenchOptions options, BenchReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(report);
        var plan = options.Quick ? Plan.Quick : Plan.Full;
        var month = CloseMonth.Now();
        Progress(month.Describe());

        await using var storage = await StorageUnderTest.StartAsync();
        await using var app = await AppUnderTest.StartAsync(storage.Azurite, report, cancellationToken, CloseMonth.AppSettings);
        var measured = new Measured(app, storage.AzuritePid, report, storage.Ledger.Tables, storage.Ledger.Blobs, month);
        await app.MeasureAsync(() => MeasureAsync(measured, plan, cancellationToken), cancellationToken);
    }

    private static async Task MeasureAsync(Measured measured, Plan plan, CancellationToken cancellationToken)
    {
        var (app, _, report, _, _, month) = measured;
        var administrator = app.ClientFor(Administrator, [], Role.Administrator);
        var manager = app.ClientFor(BenchPools.Manager, [BenchPools.Council], Role.PoolManager);
        var lead = app.ClientFor(Lead, [BenchPools.Council], Role.FinanceLead);
        var closers = Enumerable.Range(0, ConcurrentClients).Select(_ => app.ClientFor(BenchPools.Manager, [BenchPools.Council], Role.PoolManager)).ToList();
        var pools = new ClosePools(manager, lead);
        var year = month.Year;
        var parked = new BenchYear(year.StartYear - ParkedYearsBack);
        var sets = plan.Sets(year);
        var warmUp = new CloseSet(year, [WarmUpPool]);
        var entries = ClosePools.EntriesPerPool(plan.Lines);
        report.Notes.Add(month.Describe());
        report.Notes.Add(Invariant(
            $"Workload: {plan.Pools.Count} pools of {plan.Lines} lines in {year.Text}{(plan == Plan.Quick ? " (quick)" : "")}; {month.Period} closed for the first {string.Join(", ", sets.Select(s => s.Pools.Count))} of them in turn; 1 warm-up pool."));

        // 1. Set-up, not timed: every pool ready for the month to close.
        var poolCount = plan.Pools.Count + 1;
        Progress($"Setting up {poolCount} pools × {plan.Lines} lines through the API ({ConcurrentClients} clients), months 1-{month.Number - 1} closed…");
        var clock = Stopwatch.StartNew();
        await new BenchPools(administrator, manager).CreateOrganisationsAsync(cancellationToken);
        await ForEachPoolAsync([.. plan.Pools, WarmUpPool], "set up", (pool, ct) => pools.CreateAsync(pool, month, plan.Lines, ct), cancellationToken);
        var setUpSeconds = clock.Elapsed.TotalSeconds;
        report.Notes.Add(Invariant(
            $"Set-up (not timed): {poolCount} pools in {setUpSeconds:0} s by {ConcurrentClients} clients; each a pool (autoClose), a stream, an agreement, {plan.Lines} lines starting in month {month.Number} (a PUT each), {entries} entries in {ClosePools.PostingsPerPool(plan.Lines)} postings (commitments, allocation + contribution, an actual per line for month {month.Number}) and {month.Number - 1} earlier month(s) closed through POST /closes."));
        Progress($"  {poolCount} pools in {setUpSeconds:0} s");
        report.Notes.Add($"Findings for {month.Period} before any close ({plan.Pools[0]}): {await pools.CheckNothingBlocksAsync(plan.Pools[0], year, month.Number, cancellationToken)}.");

        // 2a. Month end: one firing of the timer per set (or the set's pools one by one), with only that set's pools in the year.
        var path = month.TimerDue ? TimerPath(app, administrator, month) : PerPoolPath(closers, month);
        Progress($"Moving every pool but the warm-up pool to {parked.Text}, for the warm-up…");
        await ForEachPoolAsync([.. plan.Pools], "moved", (pool, ct) => pools.MoveAsync(pool, parked, ct), cancellationToken);
        Progress($"Warm-up: {path.Name} for {WarmUpPool}…");
        await path.RunAsync(warmUp, cancellationToken);
        await path.CheckAsync(warmUp, cancellationToken);
        await pools.MoveAsync(WarmUpPool, parked, cancellationToken);
        await ForEachPoolAsync([.. sets[0].Pools], "moved back", (pool, ct) => pools.MoveAsync(pool, year, ct), cancellationToken);
        var raws = new Dictionary<CloseSet, Throughput>();
        var monthEndRuns = new List<SetRun>();
        CloseSet? closed = null;
        foreach (var set in sets)
        {
            if (closed is not null)
            {
                await PrepareAsync(pools, set, closed, month, cancellationToken);
            }
            var raw = raws[set] = await RawAsync(measured, set, entries, cancellationToken);
            if (set == sets[^1])
            {
                // Where a pool's close time goes: one read of its journal, and one reconciliation without the close.
                await RawAsync(measured, set, entries, cancellationToken, journalOnly: true);
                await ReconcileOnlyAsync(measured, manager, set, raw, cancellationToken);
            }
            var result = await TimedAsync(measured, $"{path.Measure}: {set.Name}", set, raw, set == sets[^1],
                () => path.RunAsync(set, cancellationToken), () => path.CheckAsync(set, cancellationToken));
            monthEndRuns.Add(new SetRun(set, result));
            closed = set;
        }
        AddGrowth(report, path.Name, monthEndRuns);
        if (path.LastLog() is { } logged)
        {
            report.Notes.Add($"The worker's log line for the last firing (it reaches only the host's log): \"{logged}\"");
        }
        report.Notes.Add(await LinkSizesAsync(measured.Blobs, plan.Pools[0], month, cancellationToken));

        // 2b. POST /closes per pool, four clients, on the same sets: the same month again, reopened after each run.
        Progress($"Warm-up: reopen and POST /closes {month.Period} for {WarmUpPool}…");
        await pools.MoveAsync(WarmUpPool, year, cancellationToken); // a pool's closes are of its own year only
        await pools.ReopenAsync(WarmUpPool, year, month.Number, cancellationToken);
        await CloseConcurrentlyAsync(closers, warmUp, month, cancellationToken);
        var httpRuns = new List<SetRun>();
        foreach (var set in sets)
        {
            await PrepareAsync(pools, set, closed!, month, cancellationToken);
            if (set == sets[0])
            {
                report.Notes.Add($"Findings for {month.Period} after a close and a reopening ({plan.Pools[0]}): {await pools.CheckNothingBlocksAsync(plan.Pools[0], year, month.Number, cancellationToken)}.");
            }
            var result = await TimedAsync(measured, Invariant($"POST /closes/{{year}}/{month.Number}, {ConcurrentClients} clients: {set.Name}"), set, raws[set],
                set == sets[^1], () => CloseConcurrentlyAsync(closers, set, month, cancellationToken));
            httpRuns.Add(new SetRun(set, result));
            closed = set;
        }
        AddGrowth(report, "POST /closes", httpRuns);
        report.Notes.Add(Invariant(
            $"Every run closes {month.Period}: pools closed by an earlier run were reopened first (not timed), so they close again the same {entries} entries; each reopening and close adds a link to the pool's chain, which also holds the {month.Number - 1} set-up close(s) of the months before. Closes of a later month read a longer chain, so compare runs of the same month. The POST /closes rows are compared with the raw read of the same set in the month-end phase (the same rows)."));
    }

    /// <summary>Month end by the timer, fired through the host: one invocation closes the whole set (the only pools of
    /// the month's year); checked against the run report once timed.</summary>
    private static MonthEndPath TimerPath(AppUnderTest app, ApiClient reader, CloseMonth month)
    {
        var timer = new MonthEndTimer(app.Host, reader);
        TimerFiring? last = null;
        return new MonthEndPath("timer", $"timer {MonthEndFunctions.TimerName} (1 invocation through the host), {month.Period}",
            async (_, ct) =>
            {
                last = await timer.FireAsync(ct);
                // One "latency": the whole run, every pool of the set.
                return [last.Elapsed.TotalMilliseconds];
            },
            (set, ct) => timer.CheckClosedAsync(set, month, last ?? throw new InvalidOperationException("The timer has not been fired."), ct),
            () => last?.Summary);
    }

    /// <summary>Month end pool by pool, as the timer does it for each, when no month is due today: four clients, each
    /// answer checked as it comes.</summary>
    private static MonthEndPath PerPoolPath(List<ApiClient> clients, CloseMonth month) =>
        new("POST /month-end", Invariant($"POST /month-end?month={month.Number}, {ConcurrentClients} clients (timer not due today)"),
            (set, ct) => ConcurrentlyAsync(clients, set, (client, pool, token) => ClosePools.MonthEndAsync(client, pool, month.Number, token), ct),
            (_, _) => Task.CompletedTask,
            () => null);

    /// <summary>Makes <paramref name="set"/> the pools of the month's year that month end will find open: those of it
    /// moved out earlier come back, and the month of those <paramref name="closed"/> by the last run is reopened.</summary>
    private static async Task PrepareAsync(ClosePools pools, CloseSet set, CloseSet closed, CloseMonth month, CancellationToken cancellationToken)
    {
        var back = set.Pools.Skip(closed.Pools.Count).ToList();
        Progress($"Preparing {set.Name}: {back.Count} moved back to {set.Year.Text}, {month.Period} of {closed.Pools.Count} reopened (not timed)…");
        await ForEachPoolAsync(back, "moved back", (pool, ct) => pools.MoveAsync(pool, set.Year, ct), cancellationToken);
        await ForEachPoolAsync([.. closed.Pools], "reopened", (pool, ct) => pools.ReopenAsync(pool, set.Year, month.Number, ct), cancellationToken);
    }

    /// <summary>Runs <paramref name="action"/> on every pool, <see cref="ConcurrentClients"/> at a time, printing progress
    /// every tenth of the way when there are many.</summary>
    private static async Task ForEachPoolAsync(
        List<string> all, string what, Func<string, CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        var done = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(all, new ParallelOptions { MaxDegreeOfParallelism = ConcurrentClients, CancellationToken = cancellationToken },
            async (pool, ct) =>
            {
                await action(pool, ct);
                var count = Interlocked.Increment(ref done);
                if (all.Count >= 50 && count % (all.Count / 10) == 0 && count < all.Count)
                {
                    Progress($"  {count}/{all.Count} pools {what} ({clock.Elapsed.TotalSeconds:0} s)");
                }
            });
    }

    private static async Task<Throughput> RawAsync(
        Measured measured, CloseSet set, int entriesPerPool, CancellationToken cancellationToken, bool journalOnly = false)
    {
        Progress($"Raw baseline: reading the ledger {(journalOnly ? "journals" : "partitions")} of {set.Name}…");
        var raw = await RawPartitionReads.RunAsync(measured.Tables, set, entriesPerPool, journalOnly, measured.AzuritePid, cancellationToken);
        measured.Report.Throughputs.Add(raw);
        Progress($"  {raw.Seconds:0.00} s ({raw.Seconds * 1000 / set.Pools.Count:0.0} ms/pool)");
        return raw;
    }

    /// <summary>What reconciling alone costs (the first half of each pool's month end): GET /findings for the month of
    /// every pool of <paramref name="set"/>, one after another, before month end closes them. No state changes.</summary>
    private static async Task ReconcileOnlyAsync(Measured measured, ApiClient manager, CloseSet set, Throughput raw, CancellationToken cancellationToken)
    {
        var measure = Invariant($"GET /findings/{{year}}/{measured.Month.Number} (reconcile only), 1 client");
        Progress($"{measure}: {set.Name}…");
        var cpu = CpuClock.Start(measured.App.WorkerProcessId, measured.AzuritePid);
        var latenciesMs = new List<double>(set.Pools.Count);
        var clock = Stopwatch.StartNew();
        foreach (var pool in set.Pools)
        {
            var sent = clock.Elapsed;
            await manager.ExpectAsync(HttpMethod.Get, Invariant($"api/pools/{pool}/findings/{set.Year.Route}/{measured.Month.Number}"), null, [200], cancellationToken);
            latenciesMs.Add((clock.Elapsed - sent).TotalMilliseconds);
        }
        var result = new Throughput($"{measure}: {set.Name}", set.Pools.Count, "pools", Math.Round(clock.Elapsed.TotalSeconds, 3), set.Pools.Count)
        {
            LatencyMs = Latencies.Of(latenciesMs),
            Cpu = cpu.Stop(),
        }.RelativeTo(raw);
        measured.Report.Throughputs.Add(result);
        Progress($"  {result.Seconds:0.00} s ({result.Seconds * 1000 / set.Pools.Count:0.0} ms/pool)");
    }

    /// <summary>One timed run closing <paramref name="set"/>: processor time and the worker's memory through it, its row
    /// compared with the raw read of the same pools, and the target on the largest set's row. <paramref name="check"/>
    /// runs after the clock has stopped.</summary>
    private static async Task<Throughput> TimedAsync(
        Measured measured, string measure, CloseSet set, Throughput raw, bool largest, Func<Task<List<double>>> run, Func<Task>? check = null)
    {
        Progress($"{measure}…");
        var memory = MemorySampler.Start(measured.App.WorkerProcessId);
        List<double> latenciesMs;
        TimeSpan elapsed;
        CpuUse cpu;
        await using (memory)
        {
            var clock = CpuClock.Start(measured.App.WorkerProcessId, measured.AzuritePid);
            var wall = Stopwatch.StartNew();
            latenciesMs = await run();
            elapsed = wall.Elapsed;
            cpu = clock.Stop();
            measured.Report.Memory.Add(await memory.StopAsync(measure, targetMb: null));
        }
        if (check is not null)
        {
            await check();
        }
        var pools = set.Pools.Count;
        var targetSeconds = TargetSecondsPer100Pools * pools / 100;
        // "requests" counts pools closed, so the per-request columns are per pool on every row (the timer closes a
        // whole set in one invocation).
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

    /// <summary>Closes the month of every pool of <paramref name="set"/> through the HTTP close.</summary>
    private static Task<List<double>> CloseConcurrentlyAsync(List<ApiClient> clients, CloseSet set, CloseMonth month, CancellationToken cancellationToken) =>
        ConcurrentlyAsync(clients, set, (client, pool, ct) => ClosePools.CloseAsync(client, pool, set.Year, month.Number, ct), cancellationToken);

    /// <summary>Runs <paramref name="call"/> for every pool of <paramref name="set"/>, each client taking the next pool as
    /// soon as its last call is answered (each call checks its answer). Returns each call's latency in the order sent.</summary>
    private static async Task<List<double>> ConcurrentlyAsync(
        List<ApiClient> clients, CloseSet set, Func<ApiClient, string, CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        var next = -1;
        var clock = Stopwatch.StartNew();
        var latencies = new (TimeSpan Sent, double Ms)[set.Pools.Count];
        await Task.WhenAll(clients.Select(async client =>
        {
            for (var i = Interlocked.Increment(ref next); i < set.Pools.Count; i = Interlocked.Increment(ref next))
            {
                var sent = clock.Elapsed;
                await call(client, set.Pools[i], cancellationToken);
                latencies[i] = (sent, (clock.Elapsed - sent).TotalMilliseconds);
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

    /// <summary>The size of what one close writes for <paramref name="pool"/> (its first close of the month measured: JSON
    /// with the frozen statement and findings, and the CSV), read raw from the statements container: the worker keeps the
    /// links it reads in memory.</summary>
    private static async Task<string> LinkSizesAsync(BlobServiceClient blobs, string pool, CloseMonth month, CancellationToken cancellationToken)
    {
        var container = blobs.GetBlobContainerClient(Finance.Storage.StorageNames.StatementsContainer);
        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = $"{pool}/{month.Year.Route}/" }, cancellationToken))
        {
            names.Add(blob.Name);
        }
        // Links are {seq:0000}-{kind}-m{MM}.json (and .csv): the first close of the month has the lowest sequence number.
        var stem = names.Order(StringComparer.Ordinal).FirstOrDefault(n => n.EndsWith(Invariant($"-close-m{month.Number:00}.json"), StringComparison.Ordinal))?[..^".json".Length];
        var sizes = new List<string>();
        foreach (var name in names.Where(n => stem is not null && Path.ChangeExtension(n, null) == stem))
        {
            var bytes = (await container.GetBlobClient(name).DownloadContentAsync(cancellationToken)).Value.Content.ToArray().Length;
            sizes.Add(Invariant($"{Path.GetExtension(name).TrimStart('.')} {bytes / 1024.0:0} KB"));
        }
        return $"One close of a pool writes its link (JSON, with the frozen statement and the findings) and a CSV: for {pool}, {(sizes.Count == 0 ? "none found" : string.Join(", ", sizes))}.";
    }

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    private static void Progress(FormattableString message) => Console.WriteLine(FormattableString.Invariant(message));

    private static void Progress(string message) => Console.WriteLine(message);
}
