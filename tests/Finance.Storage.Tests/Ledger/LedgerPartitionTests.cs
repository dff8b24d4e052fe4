using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Storage.Ledger;
using FluentAssertions;
using Xunit;

namespace Finance.Storage.Tests.Ledger;

/// <summary>Partition and row key naming: no '/', and the key ranges the queries rely on.</summary>
public sealed class LedgerPartitionTests
{
    [Fact]
    public void A_partition_is_the_pool_and_the_year_with_a_hyphen()
    {
        var partition = new LedgerPartition(new PoolId("one-halton"), new FinancialYear(2024));

        partition.PartitionKey.Should().Be("one-halton~2024-25");
        LedgerPartition.TryParse("one-halton~2024-25", out var parsed).Should().BeTrue();
        parsed.Should().Be(partition);
        new LedgerPartition(new PoolId("p-99"), new FinancialYear(2099)).PartitionKey.Should().Be("p-99~2099-00");
        LedgerPartition.TryParse("one-halton~2024/25", out _).Should().BeFalse();
        LedgerPartition.TryParse("one-halton", out _).Should().BeFalse();
    }

    [Fact]
    public void Balance_rows_and_the_head_are_one_key_range_holding_nothing_else()
    {
        // ReadBalancesAsync reads RowKey from "bal~" to "head": no other kind of row may sort in between.
        foreach (var prefix in LedgerRows.Prefixes.Where(p => p != LedgerRows.BalancePrefix))
        {
            var inRange = string.CompareOrdinal(prefix, LedgerRows.BalancePrefix) >= 0 && string.CompareOrdinal(prefix, LedgerRows.Head) <= 0;
            inRange.Should().BeFalse($"'{prefix}' rows would be read as balances");
        }
        var longest = new string('z', 63);
        foreach (var key in new[] { BalanceTarget.ForLine(new LineId(longest)).RowKey, BalanceTarget.ForPartner(new FundingStreamId(longest), new OrganisationId(longest)).RowKey })
        {
            string.CompareOrdinal(key, LedgerRows.Head).Should().BeLessThan(0);
            string.CompareOrdinal(key, LedgerRows.End(LedgerRows.BalancePrefix)).Should().BeLessThan(0);
        }
    }

    [Fact]
    public void Journal_keys_list_newest_first_and_read_back_their_sequence_numbers()
    {
        string.CompareOrdinal(LedgerRows.Journal(2), LedgerRows.Journal(1)).Should().BeLessThan(0);
        string.CompareOrdinal(LedgerRows.Journal(1000), LedgerRows.Journal(999)).Should().BeLessThan(0);
        LedgerRows.SeqOfJournal(LedgerRows.Journal(12_345)).Should().Be(12_345);
        string.CompareOrdinal(LedgerRows.Journal(1), LedgerRows.End(LedgerRows.JournalPrefix)).Should().BeLessThan(0);
        string.CompareOrdinal(LedgerRows.EntryId(new EntryId(new string('z', 63))), LedgerRows.End(LedgerRows.EntryIdPrefix)).Should().BeLessThan(0);
        FluentActions.Invoking(() => LedgerRows.Journal(0)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
