using Azure.Data.Tables;
using Finance.Domain.Ledger;
using Finance.Domain.Money;
using Finance.Storage.Ledger;
using FluentAssertions;
using NodaTime;
using Xunit;

namespace Finance.Storage.Tests.Ledger;

/// <summary>
/// Effective time in the ledger's rows: kept exactly beside the posting time, and a ledger written before it was
/// recorded (journal rows without <c>EffectiveAt</c>) still reads, verifies, lists and recognises its own retries,
/// each of its entries taking effect when it was posted.
/// </summary>
public sealed class LedgerEffectiveTimeTests(StorageAzurite azurite) : IClassFixture<StorageAzurite>
{
    [Fact]
    public async Task An_entry_keeps_its_effective_time_and_verifies()
    {
        var ledger = new TestLedger(await TestClients.NewTableAsync(azurite));
        await ledger.PostOpeningAsync();
        var actual = ledger.Actual(8, 40, TestLedger.ProgrammeManager);
        var dated = new JournalEntry(actual.Id, actual.Pool, actual.Month, actual.Kind, actual.Amount, actual.Author, actual.PostedAt, actual.Source,
            actual.Line, effectiveAt: actual.PostedAt - Duration.FromDays(3));

        (await ledger.PostAsync(dated)).Outcome.Should().Be(PostingOutcome.Applied);

        var read = (await ledger.Repository.GetEntryAsync(ledger.Partition, dated.Id))!.Entry;
        read.EffectiveAt.Should().Be(actual.PostedAt - Duration.FromDays(3));
        read.PostedAt.Should().Be(dated.PostedAt);
        (await ledger.PostAsync(dated)).Outcome.Should().Be(PostingOutcome.AlreadyApplied, "a retry of the same dated entry is recognised");
        var undated = new JournalEntry(dated.Id, dated.Pool, dated.Month, dated.Kind, dated.Amount, dated.Author, dated.PostedAt, dated.Source, dated.Line);
        await FluentActions.Awaiting(() => ledger.PostAsync(undated)).Should().ThrowAsync<DuplicateEntryException>("another effective time is another posting, and the id is taken");
        (await ledger.VerifyAsync()).IsClean.Should().BeTrue();
    }

    [Fact]
    public async Task A_ledger_written_before_effective_time_was_recorded_reads_as_effective_when_posted()
    {
        var ledger = new TestLedger(await TestClients.NewTableAsync(azurite));
        var opening = await ledger.PostOpeningAsync();
        var actuals = new[] { ledger.Actual(2, 10, TestLedger.Frailty), ledger.Actual(3, 20, TestLedger.ProgrammeManager) };
        await ledger.PostAsync(actuals);
        // Today's format less the new property: the rows as a ledger written before this change holds them.
        await foreach (var row in ledger.Table.QueryAsync<TableEntity>($"PartitionKey eq '{ledger.Partition.PartitionKey}'"))
        {
            if (row.Remove("EffectiveAt"))
            {
                await ledger.Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
            }
        }

        var entries = await ledger.Repository.ReadAllEntriesAsync(ledger.Partition);
        entries.Should().HaveCount(opening.Count + actuals.Length);
        entries.Should().OnlyContain(e => e.Entry.EffectiveAt == e.Entry.PostedAt);
        (await ledger.VerifyAsync()).IsClean.Should().BeTrue("their posting hashes are the ones they were written with");
        (await ledger.PostAsync(actuals)).Outcome.Should().Be(PostingOutcome.AlreadyApplied, "a retry of an old posting is still recognised");

        var asAt = actuals[0].PostedAt;
        var page = await ledger.Repository.ReadEntriesAsync(ledger.Partition, new EntryQuery { AsAt = asAt });
        page.Entries.Select(e => e.Entry.Id).Should().BeEquivalentTo(opening.Select(e => e.Id).Append(actuals[0].Id),
            "an old row is in effect from when it was posted");
        var known = await ledger.Repository.ReadEntriesAsync(ledger.Partition, new EntryQuery { KnownAt = asAt });
        known.Entries.Should().HaveCount(opening.Count + 1);
        Pence.Sum(entries.Select(e => e.Entry.Amount)).Should().Be(Pence.Sum(opening.Concat(actuals).Select(e => e.Amount)));
    }
}
