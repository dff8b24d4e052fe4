using System.Diagnostics;
using System.Globalization;
using Finance.Benchmarks.Harness;
using Finance.Domain.Principals;

namespace Finance.Benchmarks.Posting;

/// <summary>
/// Many finance leads posting to one pool at once, 1 → 16 of them, as a month end looks: each posts small postings one
/// after another and, when the ledger answers that other writers won every try (409 or 503), sends the same posting
/// again under the same Idempotency-Key after a short back-off, as clients should. Reported beside the raw 100-entity
/// transaction rate of the same Azurite in the same run: entries/s, the p50/p99 of a posting from its first send to its
/// 201, and how many sends each posting took (the attempts optimistic concurrency wasted).
/// </summary>
internal sealed class ContentionScenario : IScenario
{
    public const string Pool = "bench-contention";

    public const int Lines = 200;

    /// <summary>Entries in each posting: a finance lead's few figures, on distinct lines.</summary>
    public const int EntriesPerPosting = 4;

    public const int MaxPosters = 16;

    /// <summary>The bar of issue 18 for 16 posters: at least this many entries/s, with a p99 of at most 1 s.</summary>
    public const double TargetEntriesPerSecond = 500;

    public const double TargetP99Ms = 1_000;

    private static readonly int[] Posters = [1, 2, 4, 8, MaxPosters];

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMilliseconds(200);

    public string Verb => "contention";

    public string Summary => "1 -> 16 finance leads posting to one pool at once, retrying under their keys, vs raw table batches";

    public IReadOnlyList<string> Options { get; } = [BenchOptions.SecondsOption];

    public async Task RunAsync(BenchOptions options, BenchReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(report);
        await using var storage = await StorageUnderTest.StartAsync();
        Console.WriteLine($"Raw baseline: {BenchOptions.QuickLines:N0} entities in {RawTableBaseline.EntitiesPerTransaction}-entity transactions…");
        var raw = await RawTableBaseline.RunAsync(storage.Ledger.Tables, BenchOptions.QuickLines * 5, storage.AzuritePid, cancellationToken);
        report.Throughputs.Add(raw);
        await using var app = await AppUnderTest.StartAsync(storage.Azurite, report, cancellationToken);
        await app.MeasureAsync(() => MeasureAsync(app, storage.AzuritePid, raw, options, report, cancellationToken), cancellationToken);
    }

    private static async Task MeasureAsync(
        AppUnderTest app, int? azuritePid, Throughput raw, BenchOptions options, BenchReport report, CancellationToken cancellationToken)
    {
        var administrator = app.ClientFor("bench-admin", [], Role.Administrator);
        var manager = app.ClientFor(BenchPools.Manager, [BenchPools.Council], Role.PoolManager);
        var setup = new BenchPools(administrator, manager);
        Console.WriteLine($"Setting up {Pool}: {Lines} lines with commitments…");
        await setup.CreateOrganisationsAsync(cancellationToken);
        await setup.CreatePoolAsync(Pool, Lines, cancellationToken);
        var leads = Enumerable.Range(1, MaxPosters)
            .Select(i => app.ClientFor(string.Create(CultureInfo.InvariantCulture, $"bench-lead-{i}"), [BenchPools.Council], Role.FinanceLead)).ToList();
        // Warm: each client's connection and the worker's JIT, so the first measured run is not the slowest by that alone.
        var sequence = 0;
        foreach (var lead in leads)
        {
            await PostUntilAcceptedAsync(lead, Posting(Interlocked.Increment(ref sequence)), new Tally(), cancellationToken);
        }
        var duration = TimeSpan.FromSeconds(options.Seconds);
        foreach (var posters in Posters)
        {
            Console.WriteLine($"{posters} poster(s) on one pool for {duration.TotalSeconds:0} s…");
            var tally = new Tally();
            var cpu = CpuClock.Start(app.WorkerProcessId, azuritePid);
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(leads.Take(posters).Select(async lead =>
            {
                while (clock.Elapsed < duration)
                {
                    await PostUntilAcceptedAsync(lead, Posting(Interlocked.Increment(ref sequence)), tally, cancellationToken);
                }
            }));
            var elapsed = clock.Elapsed;
            var result = new Throughput(
                string.Create(CultureInfo.InvariantCulture, $"POST /postings: {posters} poster(s) on one pool, {EntriesPerPosting} entries each"),
                tally.Postings * EntriesPerPosting, "entries", Math.Round(elapsed.TotalSeconds, 3), tally.Sends)
            {
                LatencyMs = Latencies.Of(tally.LatenciesInOrder()),
                Cpu = cpu.Stop(),
            }.RelativeTo(raw);
            if (posters == MaxPosters)
            {
                result = result.WithTargets(TargetEntriesPerSecond, TargetP99Ms);
            }
            report.Throughputs.Add(result);
            report.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"{posters} poster(s): {tally.Postings:N0} postings in {tally.Sends:N0} sends ({tally.SendsPerPosting:0.00} a posting; "
                + $"{tally.Retried:N0} answered 409/503 and were sent again)."));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {result.PerSecond:0} entries/s ({result.RatioToRaw:P0} of raw), p99 {result.LatencyMs?.P99:0} ms, "
                + $"{tally.SendsPerPosting:0.00} sends a posting"));
        }
    }

    /// <summary>Posting <paramref name="n"/>: <see cref="EntriesPerPosting"/> actuals on distinct lines, spread over the pool.</summary>
    private static EntryBody[] Posting(int n) =>
        [.. Enumerable.Range(0, EntriesPerPosting).Select(i => new EntryBody(
            "actual", BenchPools.LineId((n * EntriesPerPosting + i) % Lines), 1 + n % 6, LedgerApi.Pounds(1_00 + n % 97),
            string.Create(CultureInfo.InvariantCulture, $"C-{n}-{i}")))];

    /// <summary>Sends the posting until it is accepted, under one key; 409 and 503 (other writers won) are sent again.</summary>
    private static async Task PostUntilAcceptedAsync(ApiClient lead, EntryBody[] entries, Tally tally, CancellationToken cancellationToken)
    {
        var path = $"api/pools/{Pool}/postings";
        var key = Guid.NewGuid().ToString("N");
        var first = Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            var answer = await lead.SendJsonAsync(HttpMethod.Post, path, new PostingBody(entries), cancellationToken, key);
            tally.Sent();
            if (answer.Status == 201)
            {
                tally.Accepted(Stopwatch.GetElapsedTime(first).TotalMilliseconds);
                return;
            }
            if (answer.Status is not (409 or 503) || attempt >= 50)
            {
                throw lead.Unexpected(HttpMethod.Post, path, answer);
            }
            tally.Retry();
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * MaxBackoff.TotalMilliseconds * Math.Min(1, attempt / 4.0)),
                cancellationToken);
        }
    }

    /// <summary>What one run's posters did, counted from all of them at once.</summary>
    private sealed class Tally
    {
        private readonly Lock gate = new();
        private readonly List<double> latencies = [];
        private long sends;
        private long retried;

        public long Sends => Interlocked.Read(ref sends);

        public long Retried => Interlocked.Read(ref retried);

        public double SendsPerPosting => (double)Sends / Math.Max(1, Postings);

        public long Postings
        {
            get
            {
                lock (gate)
                {
                    return latencies.Count;
                }
            }
        }

        public void Sent() => Interlocked.Increment(ref sends);

        public void Retry() => Interlocked.Increment(ref retried);

        public void Accepted(double latencyMs)
        {
            lock (gate)
            {
                latencies.Add(latencyMs);
            }
        }

        public IReadOnlyList<double> LatenciesInOrder()
        {
            lock (gate)
            {
                return [.. latencies];
            }
        }
    }
}
