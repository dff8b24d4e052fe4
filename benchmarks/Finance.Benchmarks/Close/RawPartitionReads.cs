using System.Diagnostics;
using Azure.Data.Tables;
using Finance.Benchmarks.Harness;

namespace Finance.Benchmarks.Close;

/// <summary>
/// The floor for a close that must read each pool's journal: every row of each pool's ledger partition
/// (<c>PartitionKey eq '{pool}~{yyyy-yy}'</c>: journal, id claims, idempotency records, balances, head) read straight
/// from the Ledger table through our own Table client, one pool after another, in the service's pages of 1,000. Nothing
/// of the app is in it. Run on the same pools, in the same Azurite, just before they are closed.
/// </summary>
internal static class RawPartitionReads
{
    /// <summary>The app's ledger table (Finance.Storage.StorageNames.LedgerTable).</summary>
    public const string LedgerTable = "Ledger";

    private const string JournalPrefix = "journal~";

    /// <summary>The first key after every journal row, as the ledger's own range query has it (LedgerRows.End).</summary>
    private const string JournalEnd = JournalPrefix + "~";

    /// <summary>Reads the partition of every pool of <paramref name="set"/>, or with <paramref name="journalOnly"/> only
    /// its journal rows (<c>RowKey</c> from <c>journal~</c>: what the ledger's ReadAllEntriesAsync asks for, which a close
    /// does more than once), and checks each pool's journal rows hold <paramref name="entriesPerPool"/> entries (a packed
    /// row says how many in <c>EntryCount</c>; a row stored before packing is one).</summary>
    public static async Task<Throughput> RunAsync(
        TableServiceClient service, CloseSet set, int entriesPerPool, bool journalOnly, int? azuritePid, CancellationToken cancellationToken)
    {
        var table = service.GetTableClient(LedgerTable);
        var latenciesMs = new List<double>(set.Pools.Count);
        var rows = 0L;
        var cpu = CpuClock.Start(workerPid: null, azuritePid);
        var clock = Stopwatch.StartNew();
        foreach (var pool in set.Pools)
        {
            var partition = set.Year.Partition(pool);
            var filter = journalOnly
                ? TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {JournalPrefix} and RowKey lt {JournalEnd}")
                : TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
            var sent = clock.Elapsed;
            var (all, journal, entries) = (0, 0, 0);
            await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                all++;
                if (row.RowKey.StartsWith(JournalPrefix, StringComparison.Ordinal))
                {
                    journal++;
                    entries += row.GetInt32("EntryCount") ?? 1;
                }
            }
            latenciesMs.Add((clock.Elapsed - sent).TotalMilliseconds);
            // Every entry set up must be there, or the floor is for less than the close reads.
            if (entries != entriesPerPool || journalOnly && all != journal)
            {
                throw new InvalidOperationException(
                    $"Partition {partition} gave {all} rows, {journal} of them journal rows holding {entries} entries; set-up posted {entriesPerPool}.");
            }
            rows += all;
        }
        clock.Stop();
        var what = journalOnly ? "journal rows" : "whole ledger partition";
        return new Throughput(
            $"raw table: each pool's {what} ({rows / set.Pools.Count} rows), 1 client: {set.Name}",
            set.Pools.Count, "pools", Math.Round(clock.Elapsed.TotalSeconds, 3), set.Pools.Count)
        {
            LatencyMs = Latencies.Of(latenciesMs),
            Cpu = cpu.Stop(),
        };
    }
}
