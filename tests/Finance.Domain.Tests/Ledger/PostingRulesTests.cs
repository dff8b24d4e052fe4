using FluentAssertions;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Tests.Support;
using NodaTime;

namespace Finance.Domain.Tests.Ledger;

public sealed class PostingRulesTests
{
    private readonly Riverside _riverside = new();

    private JournalEntry New(EntryKind kind, decimal pounds, int month, LineId? line = null, FundingStreamId? stream = null, OrganisationId? partner = null) =>
        new(_riverside.NextId(), _riverside.Pool.Id, Riverside.Month(month), kind, Pounds.Of(pounds), "lead@example.org",
            Riverside.AsAt, EntrySource.Api, line, stream, partner);

    private IReadOnlyList<string> Check(JournalEntry entry, params int[] closed) =>
        PostingRules.Check(_riverside.Pool, _riverside.Lines, _riverside.Entries, entry, closed.Select(Riverside.Month).ToArray());

    [Fact]
    public void A_sound_entry_has_no_problems()
    {
        Check(New(EntryKind.Actual, 4_000, 7, Riverside.ProgrammeManager)).Should().BeEmpty();
    }

    [Fact]
    public void Unknown_lines_streams_partners_and_duplicate_ids_are_refused()
    {
        Check(New(EntryKind.Actual, 10, 7, new LineId("no-such-line"))).Should().ContainSingle().Which.Should().Contain("no line 'no-such-line'");
        Check(New(EntryKind.Allocation, 10, 7, stream: new FundingStreamId("ibcf"))).Should().ContainSingle().Which.Should().Contain("does not hold funding stream 'ibcf'");
        Check(New(EntryKind.Contribution, 10, 7, stream: Riverside.PlaceAllocation, partner: Riverside.Trust))
            .Should().ContainSingle().Which.Should().Contain("'riverside-community-trust' is not a partner");
        var duplicate = new JournalEntry(_riverside.Entries[0].Id, _riverside.Pool.Id, Riverside.Month(7), EntryKind.Actual, Pounds.Of(1),
            "lead@example.org", Riverside.AsAt, EntrySource.Api, Riverside.Frailty);
        Check(duplicate).Should().ContainSingle().Which.Should().Contain("already an entry 'e-0001'");
    }

    [Fact]
    public void Closed_months_take_no_entries()
    {
        Check(New(EntryKind.Actual, 10, 5, Riverside.Frailty), 5).Should().ContainSingle()
            .Which.Should().Be("2024/25 M5 (August 2024) is closed; post the correction in an open month and name the entry it corrects.");
    }

    [Fact]
    public void A_reversal_must_match_an_unreversed_entry()
    {
        var accrual = _riverside.Entries.Single(e => e.Kind == EntryKind.Accrual && e.Line == Riverside.Frailty);
        var reversal = accrual.Reverse(_riverside.NextId(), Riverside.Month(7), "lead@example.org", Riverside.AsAt, "duplicate");
        Check(reversal).Should().BeEmpty();

        _riverside.Add(reversal);
        var again = accrual.Reverse(_riverside.NextId(), Riverside.Month(7), "lead@example.org", Riverside.AsAt, "again");
        Check(again).Should().ContainSingle().Which.Should().Contain($"already reversed by '{reversal.Id}'");

        var wrongAmount = new JournalEntry(_riverside.NextId(), _riverside.Pool.Id, Riverside.Month(7), EntryKind.Reversal, Pounds.Of(-1),
            "lead@example.org", Riverside.AsAt, EntrySource.Api, Riverside.Frailty, reversesEntryId: _riverside.Entries[^3].Id, reason: "typo");
        Check(wrongAmount).Should().Contain(p => p.Contains("must carry"));

        var missing = new JournalEntry(_riverside.NextId(), _riverside.Pool.Id, Riverside.Month(7), EntryKind.Reversal, Pounds.Of(-1),
            "lead@example.org", Riverside.AsAt, EntrySource.Api, Riverside.Frailty, reversesEntryId: new EntryId("e-9999"), reason: "typo");
        Check(missing).Should().ContainSingle().Which.Should().Contain("'e-9999', which is not in the ledger");
    }

    [Fact]
    public void Entries_for_another_pool_or_year_are_refused()
    {
        var otherYear = new JournalEntry(_riverside.NextId(), _riverside.Pool.Id, new Finance.Domain.Calendar.FinancialYear(2025).Month(1),
            EntryKind.Actual, Pounds.Of(1), "lead@example.org", Instant.FromUtc(2025, 5, 1, 0, 0), EntrySource.Api, Riverside.Frailty);
        Check(otherYear).Should().ContainSingle().Which.Should().Contain("open for 2024/25");

        var otherPool = new JournalEntry(_riverside.NextId(), new PoolId("another-pool"), Riverside.Month(7),
            EntryKind.Actual, Pounds.Of(1), "lead@example.org", Riverside.AsAt, EntrySource.Api, Riverside.Frailty);
        Check(otherPool).Should().ContainSingle().Which.Should().Contain("not 'riverside-place'");
    }
}
