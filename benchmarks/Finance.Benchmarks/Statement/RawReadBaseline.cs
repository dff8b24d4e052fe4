using System.Diagnostics;
using Azure.Data.Tables;
using Finance.Benchmarks.Harness;
using Finance.Domain.Calendar;
using Finance.Domain.Model;
using Finance.Storage.Ledger;

namespace Finance.Benchmarks.Statement;

/// <summary>
/// What the statement endpoint is compared with: the same rows read straight from Azurite through our own Table client,
/// in the same run, with nothing of the app (host, HTTP, access checks, the statement's arithmetic, JSON) in it.
/// <list type="bullet">
/// <item>the balance rows and the head: one range query, what a statement reads when its cache is cold;</item>
/// <item>the whole partition (journal, id claims, idempotency records too): what a ledger without balance rows would read;</item>
/// <item>the pool row and the head as two point reads: what the worker reads per statement once the balances are
/// cached (the access check reads the pool, the view reads the head to know the ledger's version).</item>
/// </list>
/// </summary>
internal static class RawReadBaseline
{
    /// <summary>Sequential reads timed per query, after <see cref="WarmUpReads"/> untimed.</summary>
    public const int SequentialReads = 50;

    public const int WarmUpReads = 5;

    /// <summary>The key range of the balance rows and the head (as Finance.Storage's LedgerRows names them; that class
    /// is internal): every "bal~…" key sorts before "head" and nothing else sorts between them.</summary>
    public const string BalancePrefix = "bal~";

    public const string LineBalancePrefix = "bal~line~";

    public const string HeadRowKey = "head";

    /// <summary>The pool row's key in the Pools table, under the pool id (Finance.Functions' PoolFields.RowKey, internal).</summary>
    public const string PoolRowKey = "pool";

    private static readonly TimeSpan ConcurrentWarmUp = TimeSpan.FromSeconds(1);

    /// <summary>The processes whose processor time each run reads: the worker is idle through these runs, and its
    /// (near-zero) time is shown so that it is not counted as another process's.</summary>
    public sealed record Pids(int? Worker, int? Azurite);

    /// <summary>The figures, and the concurrent balance-range read the endpoint runs are shown against.</summary>
    public sealed record Figures(IReadOnlyList<Throughput> Runs, Throughput ConcurrentBalanceScan, int BalanceRows, int PartitionRows);

    public static async Task<Figures> RunAsync(
        TableServiceClient service, string pool, string financialYear, int lines, int clients, TimeSpan concurrentFor, Pids pids, CancellationToken cancellationToken)
    {
        var partitionKey = new LedgerPartition(new PoolId(pool), FinancialYear.Parse(financialYear)).PartitionKey;
        var ledger = service.GetTableClient(Finance.Storage.StorageNames.LedgerTable);
        var pools = service.GetTableClient(Finance.Storage.StorageNames.PoolsTable);
        var balanceFilter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {BalancePrefix} and RowKey le {HeadRowKey}");
        var partitionFilter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}");

        // What the statement reads must be there: a line balance per line and the head last, else the figure is for
        // other rows than the endpoint serves.
        var balanceKeys = await RowKeysAsync(ledger, balanceFilter, cancellationToken);
        var lineBalances = balanceKeys.Count(k => k.StartsWith(LineBalancePrefix, StringComparison.Ordinal));
        if (lineBalances != lines || balanceKeys.Count == 0 || balanceKeys[^1] != HeadRowKey)
        {
            throw new InvalidOperationException(
                $"The balance range of {partitionKey} holds {lineBalances} line balances (expected {lines}) and ends with '{balanceKeys.LastOrDefault()}' (expected '{HeadRowKey}').");
        }
        var partitionRows = (await RowKeysAsync(ledger, partitionFilter, cancellationToken)).Count;

        var runs = new List<Throughput>
        {
            await SequentialAsync($"raw: balance rows + head, range query ({balanceKeys.Count} rows), 1 client", balanceKeys.Count,
                ct => CountAsync(ledger, balanceFilter, ct), pids, cancellationToken),
            await SequentialAsync($"raw: whole partition, query ({partitionRows} rows), 1 client", partitionRows,
                ct => CountAsync(ledger, partitionFilter, ct), pids, cancellationToken),
        };

        var concurrentScan = await ConcurrentAsync($"raw: balance rows + head, range query, {clients} clients", "scans", clients, concurrentFor, async (_, ct) =>
        {
            var rows = await CountAsync(ledger, balanceFilter, ct);
            return rows == balanceKeys.Count ? new LoadAnswer(rows) : new LoadAnswer(rows, $"{rows} rows, not {balanceKeys.Count}");
        }, pids, cancellationToken);
        runs.Add(concurrentScan);
        runs.Add(await ConcurrentAsync($"raw: pool row + head, 2 point reads, {clients} clients", "pairs", clients, concurrentFor, async (_, ct) =>
        {
            var poolRow = await pools.GetEntityIfExistsAsync<TableEntity>(pool, PoolRowKey, cancellationToken: ct);
            var head = await ledger.GetEntityIfExistsAsync<TableEntity>(partitionKey, HeadRowKey, cancellationToken: ct);
            return poolRow.HasValue && head.HasValue ? new LoadAnswer(2) : new LoadAnswer(0, "pool row or head not found");
        }, pids, cancellationToken));
        return new Figures(runs, concurrentScan, balanceKeys.Count, partitionRows);
    }

    private static async Task<List<string>> RowKeysAsync(TableClient table, string filter, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            keys.Add(row.RowKey);
        }
        return keys;
    }

    /// <summary>Reads every row the filter matches, every property, page by page, as the ledger's reads do.</summary>
    internal static async Task<int> CountAsync(TableClient table, string filter, CancellationToken cancellationToken)
    {
        var rows = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            rows++;
        }
        return rows;
    }

    private static async Task<Throughput> SequentialAsync(
        string measure, int expectedRows, Func<CancellationToken, Task<int>> read, Pids pids, CancellationToken cancellationToken)
    {
        for (var i = 0; i < WarmUpReads; i++)
        {
            await read(cancellationToken);
        }
        var latenciesMs = new List<double>(SequentialReads);
        var cpu = CpuClock.Start(pids.Worker, pids.Azurite);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < SequentialReads; i++)
        {
            var sent = clock.Elapsed;
            var rows = await read(cancellationToken);
            latenciesMs.Add((clock.Elapsed - sent).TotalMilliseconds);
            if (rows != expectedRows)
            {
                throw new InvalidOperationException($"{measure}: a read returned {rows} rows, not {expectedRows}.");
            }
        }
        clock.Stop();
        return new Throughput(measure, SequentialReads, "scans", Math.Round(clock.Elapsed.TotalSeconds, 3), SequentialReads)
        {
            LatencyMs = Latencies.Of(latenciesMs),
            Cpu = cpu.Stop(),
        };
    }

    internal static async Task<Throughput> ConcurrentAsync(
        string measure, string unit, int clients, TimeSpan duration, LoadOperation read, Pids pids, CancellationToken cancellationToken)
    {
        await ClosedLoopLoad.RunAsync(clients, ConcurrentWarmUp, read, cancellationToken);
        var cpu = CpuClock.Start(pids.Worker, pids.Azurite);
        var result = await ClosedLoopLoad.RunAsync(clients, duration, read, cancellationToken);
        return new Throughput(measure, result.Requests - result.Errors, unit, Math.Round(result.Elapsed.TotalSeconds, 3), result.Requests)
        {
            Errors = result.Errors,
            LatencyMs = result.LatencyMs,
            Cpu = cpu.Stop(),
        };
    }
}
