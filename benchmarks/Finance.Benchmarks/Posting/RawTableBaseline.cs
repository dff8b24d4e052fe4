using System.Diagnostics;
using Azure.Data.Tables;
using Finance.Benchmarks.Harness;

namespace Finance.Benchmarks.Posting;

/// <summary>
/// The ceiling the posting paths are compared with: journal-like entities written straight to one partition of a fresh
/// table in full 100-entity transactions, one after another, through the official Azure.Data.Tables client, configured
/// as the app configures it. Nothing the ledger does (checks, balances, idempotency, HTTP) is in it.
/// </summary>
internal static class RawTableBaseline
{
    public const int EntitiesPerTransaction = Finance.Storage.TableTransactions.MaxActions;

    /// <summary>Transactions sent to another table first, so connection set-up and JIT are not measured.</summary>
    public const int WarmUpTransactions = 20;

    private const string Partition = "bench~2024-25";

    public static async Task<Throughput> RunAsync(TableServiceClient service, int entities, int? azuritePid, CancellationToken cancellationToken)
    {
        var warmUp = service.GetTableClient("benchrawwarmup");
        await warmUp.CreateIfNotExistsAsync(cancellationToken);
        foreach (var batch in Batches(WarmUpTransactions * EntitiesPerTransaction))
        {
            await warmUp.SubmitTransactionAsync(batch, cancellationToken);
        }

        var table = service.GetTableClient("benchrawjournal");
        await table.CreateIfNotExistsAsync(cancellationToken);
        var batches = Batches(entities);
        var latenciesMs = new List<double>(batches.Count);
        var cpu = CpuClock.Start(workerPid: null, azuritePid);
        var clock = Stopwatch.StartNew();
        foreach (var batch in batches)
        {
            var sent = clock.Elapsed;
            await table.SubmitTransactionAsync(batch, cancellationToken);
            latenciesMs.Add((clock.Elapsed - sent).TotalMilliseconds);
        }
        clock.Stop();
        var cpuUse = cpu.Stop();

        // Everything sent must be there, or the figure is for less work than it claims.
        var stored = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            stored++;
        }
        if (stored != entities)
        {
            throw new InvalidOperationException($"The raw baseline wrote {entities} entities but the table holds {stored}.");
        }
        return new Throughput(
            $"raw table: {EntitiesPerTransaction}-entity transactions, 1 client", entities, "entities", Math.Round(clock.Elapsed.TotalSeconds, 3), batches.Count)
        {
            LatencyMs = Latencies.Of(latenciesMs),
            Cpu = cpuUse,
        };
    }

    private static List<List<TableTransactionAction>> Batches(int entities) =>
        Enumerable.Range(1, entities)
            .Select(seq => new TableTransactionAction(TableTransactionActionType.Add, JournalLike(seq)))
            .Chunk(EntitiesPerTransaction)
            .Select(chunk => chunk.ToList())
            .ToList();

    /// <summary>An entity shaped like a journal row: a dozen properties, strings, Int64s, an Int32 and an instant.</summary>
    private static TableEntity JournalLike(long seq) => new(Partition, $"journal~{seq:D12}")
    {
        ["Seq"] = seq,
        ["Posting"] = (seq - 1) / EntitiesPerTransaction + 1,
        ["EntryId"] = Guid.NewGuid().ToString("N"),
        ["Month"] = (int)(seq % 12) + 1,
        ["Kind"] = "Actual",
        ["Figure"] = "Actual",
        ["AmountPence"] = 100 + seq * 7919 % 99_900,
        ["Author"] = "bench-lead",
        ["PostedAt"] = DateTimeOffset.UtcNow,
        ["Source"] = "Api",
        ["Line"] = $"line-{seq % 200 + 1:D3}",
        ["Reference"] = $"INV-{seq:D7}",
        ["Memo"] = "Bench actual",
    };
}
