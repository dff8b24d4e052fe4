using System.Diagnostics;
using Finance.Domain.Ledger;
using Finance.Storage.Ledger;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace Finance.Storage.Tests.Ledger;

/// <summary>
/// A rough measure, printed, not asserted: entries per second through full postings (reads, rules, balances, If-Match)
/// against raw 100-entity batch inserts of the same journal rows, in the same Azurite.
/// Run with --logger "console;verbosity=detailed" to see the figures.
/// </summary>
public sealed class LedgerThroughputTests(StorageAzurite azurite, ITestOutputHelper output) : IClassFixture<StorageAzurite>
{
    private const int Postings = 10;

    [Fact]
    public async Task Batch_postings_against_raw_batch_inserts()
    {
        var table = await TestClients.NewTableAsync(azurite);
        var ledger = new TestLedger(table);
        await ledger.PostOpeningAsync();
        await ledger.PostAsync(ledger.Actual(1, 1, TestLedger.Frailty)); // warm up

        var wide = Stopwatch.StartNew();
        for (var p = 0; p < Postings; p++)
        {
            // 40 entries over four lines, with an idempotency record: 1 + 1 + 4 + 40 + 1 = 47 operations.
            var entries = Enumerable.Range(0, 40).Select(i => ledger.Actual((i % 12) + 1, i + 1, TestLedger.AllLines[i % 4])).ToArray();
            await ledger.Repository.PostAsync(ledger.Setup, entries, new IdempotencyRequest($"k{p}", "me", "h", _ => new StoredResponse(201, "{}")));
        }
        wide.Stop();

        var full = Stopwatch.StartNew();
        for (var p = 0; p < Postings; p++)
        {
            // 48 entries on one line: 1 + 1 + 48 + 1 = 51 operations, the largest posting.
            await ledger.PostAsync(Enumerable.Range(0, 48).Select(i => ledger.Actual((i % 12) + 1, i + 1, TestLedger.Frailty)).ToArray());
        }
        full.Stop();

        var single = Stopwatch.StartNew();
        for (var p = 0; p < Postings; p++)
        {
            await ledger.PostAsync(ledger.Actual(2, 1, TestLedger.DataAnalyst));
        }
        single.Stop();

        var rawPartition = new LedgerPartition(new Finance.Domain.Model.PoolId("raw-inserts"), TestLedger.Year);
        // Journal rows of one entry each, as a posting of one entry writes them.
        var rows = Enumerable.Range(1, Postings * 100).Select(seq => JournalRows.ToJournalEntities(rawPartition,
            [ledger.Actual((seq % 12) + 1, seq, TestLedger.Frailty)], [EntryKind.Actual], new PostingStamp(seq, seq, 1, default, "h"))[0].Row).ToArray();
        var raw = Stopwatch.StartNew();
        await table.AddInBatchesAsync(rows);
        raw.Stop();

        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();
        static string Rate(int count, Stopwatch clock) => $"{count / clock.Elapsed.TotalSeconds:0} /s ({clock.ElapsedMilliseconds} ms for {count})";
        output.WriteLine($"postings of 40 entries on 4 lines, with key: {Rate(Postings * 40, wide)} entries");
        output.WriteLine($"postings of 48 entries on 1 line:           {Rate(Postings * 48, full)} entries");
        output.WriteLine($"postings of 1 entry:                        {Rate(Postings, single)} postings");
        output.WriteLine($"raw 100-entity batch inserts:               {Rate(Postings * 100, raw)} entities");
    }
}
