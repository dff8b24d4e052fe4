using System.Text;
using Azure.Data.Tables;
using Finance.Storage.Ledger;
using FluentAssertions;
using Xunit;

namespace Finance.Storage.Tests.Ledger;

/// <summary>Storage that was changed behind the ledger's back is caught: on read where it is cheap, by VerifyAsync always.</summary>
public sealed class LedgerInvariantTests(StorageAzurite azurite) : IClassFixture<StorageAzurite>
{
    private async Task<TestLedger> PostedLedgerAsync()
    {
        var ledger = new TestLedger(await TestClients.NewTableAsync(azurite));
        await ledger.PostOpeningAsync();
        await ledger.PostAsync(ledger.Actual(2, 10, TestLedger.Frailty), ledger.Actual(3, 20, TestLedger.ProgrammeManager));
        (await ledger.VerifyAsync()).IsClean.Should().BeTrue();
        return ledger;
    }

    [Fact]
    public async Task A_balance_figure_changed_in_place_is_reported()
    {
        var ledger = await PostedLedgerAsync();
        var key = BalanceTarget.ForLine(TestLedger.Frailty).RowKey;
        var row = (await ledger.Table.GetEntityAsync<TableEntity>(ledger.Partition.PartitionKey, key)).Value;
        row["ActualPenceM02"] = 999L;
        await ledger.Table.UpdateEntityAsync(row, row.ETag);

        var verification = await ledger.VerifyAsync();

        verification.Problems.Should().ContainSingle().Which.Should().Contain("frailty-service actuals M2: stored £9.99, the entries make £10.00");
    }

    [Fact]
    public async Task A_balance_row_version_out_of_step_with_the_head_fails_the_balance_read()
    {
        var ledger = await PostedLedgerAsync();
        var key = BalanceTarget.ForLine(TestLedger.Frailty).RowKey;
        var row = (await ledger.Table.GetEntityAsync<TableEntity>(ledger.Partition.PartitionKey, key)).Value;
        row["Version"] = 7L;
        await ledger.Table.UpdateEntityAsync(row, row.ETag);

        await FluentActions.Awaiting(() => ledger.Repository.ReadBalancesAsync(ledger.Partition))
            .Should().ThrowAsync<LedgerInvariantException>().WithMessage("*version*");
    }

    [Fact]
    public async Task A_journal_row_removed_fails_the_journal_read_and_the_verification()
    {
        var ledger = await PostedLedgerAsync();
        await ledger.PostAsync(ledger.Actual(4, 30, TestLedger.Frailty));
        // The posting of seqs 10 and 11 is one packed row, keyed by its last entry.
        await ledger.Table.DeleteEntityAsync(ledger.Partition.PartitionKey, LedgerRows.Journal(11));

        await FluentActions.Awaiting(() => ledger.Repository.ReadAllEntriesAsync(ledger.Partition))
            .Should().ThrowAsync<LedgerInvariantException>().WithMessage("*seq 12 where 10 was expected*");
        var verification = await ledger.VerifyAsync();
        verification.IsClean.Should().BeFalse();
        verification.Problems.Should().Contain(p => p.Contains("gap", StringComparison.Ordinal))
            .And.Contain(p => p.Contains("is claimed, but no entry has it", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_entry_edited_in_place_breaks_its_postings_hash()
    {
        var ledger = await PostedLedgerAsync();
        var row = (await ledger.Table.GetEntityAsync<TableEntity>(ledger.Partition.PartitionKey, LedgerRows.Journal(11))).Value;
        var text = Encoding.UTF8.GetString((byte[])row["Entries00"]);
        var edited = text.Replace("\"pence\":2000,", "\"pence\":2000,\"memo\":\"quietly edited\",", StringComparison.Ordinal);
        edited.Should().NotBe(text);
        row["Entries00"] = Encoding.UTF8.GetBytes(edited);
        await ledger.Table.UpdateEntityAsync(row, row.ETag);

        (await ledger.VerifyAsync()).Problems.Should().ContainSingle().Which.Should().Contain("an entry changed after it was posted");
    }

    [Fact]
    public async Task A_packed_row_that_miscounts_its_entries_is_reported()
    {
        var ledger = await PostedLedgerAsync();
        var row = (await ledger.Table.GetEntityAsync<TableEntity>(ledger.Partition.PartitionKey, LedgerRows.Journal(11))).Value;
        row["EntryCount"] = 1;
        row["FirstSeq"] = 11L;
        await ledger.Table.UpdateEntityAsync(row, row.ETag);

        await FluentActions.Awaiting(() => ledger.Repository.ReadAllEntriesAsync(ledger.Partition))
            .Should().ThrowAsync<LedgerInvariantException>().WithMessage("*says it holds 1 entries, but holds 2*");
        (await ledger.VerifyAsync()).Problems.Should().Contain(p => p.Contains("says it holds 1 entries, but holds 2", StringComparison.Ordinal));
    }
}
