using FluentAssertions;
using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Domain.Tests.Support;
using NodaTime;

namespace Finance.Domain.Tests.Ledger;

public sealed class JournalEntryTests
{
    private static readonly PoolId Pool = new("riverside-place");
    private static readonly Instant Posted = Instant.FromUtc(2024, 10, 1, 9, 0);
    private static readonly FinancialMonth Month = new FinancialYear(2024).Month(6);

    private static JournalEntry Entry(EntryKind kind, decimal pounds, LineId? line = null, FundingStreamId? stream = null,
        OrganisationId? partner = null, EntryId? reverses = null, EntryKind? adjusts = null, string? reason = null, string? memo = null) =>
        new(new EntryId("e-0001"), Pool, Month, kind, Pounds.Of(pounds), "lead@example.org", Posted, EntrySource.Api,
            line, stream, partner, reverses, adjusts, reason, memo: memo);

    [Theory]
    [InlineData(EntryKind.Actual, "an entry of kind actual needs a line")]
    [InlineData(EntryKind.Commitment, "an entry of kind commitment needs a line")]
    [InlineData(EntryKind.Allocation, "an entry of kind allocation needs a funding stream")]
    [InlineData(EntryKind.Contribution, "an entry of kind contribution needs a funding stream")]
    [InlineData(EntryKind.Reversal, "a reversal must name the entry it reverses")]
    [InlineData(EntryKind.Adjustment, "an adjustment must say which kind it adjusts")]
    public void Each_kind_refuses_what_it_lacks(EntryKind kind, string reason)
    {
        var act = () => Entry(kind, 10);
        act.Should().Throw<ArgumentException>().WithMessage($"Entry 'e-0001' ({kind}, £10.00): {reason}*");
    }

    [Fact]
    public void Kinds_refuse_impossible_amounts_and_targets()
    {
        var line = new LineId("frailty-service");
        var stream = new FundingStreamId("place-allocation");
        ((Action)(() => Entry(EntryKind.NilReturn, 5, line))).Should().Throw<ArgumentException>().WithMessage("*a nil return has no amount*");
        ((Action)(() => Entry(EntryKind.Actual, 0, line))).Should().Throw<ArgumentException>().WithMessage("*send a nil return*");
        ((Action)(() => Entry(EntryKind.ForecastOutturn, -1, line))).Should().Throw<ArgumentException>().WithMessage("*cannot be negative*");
        ((Action)(() => Entry(EntryKind.Actual, 5, line, stream))).Should().Throw<ArgumentException>().WithMessage("*does not name a funding stream, but names 'place-allocation'*");
        ((Action)(() => Entry(EntryKind.Contribution, 5, stream: stream))).Should().Throw<ArgumentException>().WithMessage("*kind contribution needs a partner*");
        ((Action)(() => Entry(EntryKind.Adjustment, 5, line, adjusts: EntryKind.Actual))).Should().Throw<ArgumentException>().WithMessage("*needs a reason*");
        ((Action)(() => Entry(EntryKind.Adjustment, 5, line, adjusts: EntryKind.ForecastOutturn, reason: "x"))).Should().Throw<ArgumentException>()
            .WithMessage("*which kind it adjusts*");
        ((Action)(() => Entry(EntryKind.Actual, 5, line, reverses: new EntryId("e-0002")))).Should().Throw<ArgumentException>().WithMessage("*only a reversal names*");
        ((Action)(() => Entry(EntryKind.Reversal, 5, line, reverses: new EntryId("e-0001"), reason: "x"))).Should().Throw<ArgumentException>().WithMessage("*cannot reverse itself*");

        Entry(EntryKind.Adjustment, -5, line, adjusts: EntryKind.Actual, reason: "VAT recovered").AdjustsKind.Should().Be(EntryKind.Actual);
        Entry(EntryKind.NilReturn, 0, line).Amount.Should().Be(Pence.Zero);
        Entry(EntryKind.Actual, -25, line).Amount.Should().Be(Pounds.Of(-25), "credit notes are negative actuals");
    }

    [Fact]
    public void A_note_is_text_on_a_line_with_no_amount_and_is_not_reversed()
    {
        var line = new LineId("frailty-service");
        ((Action)(() => Entry(EntryKind.Note, 0, line))).Should().Throw<ArgumentException>().WithMessage("*a note needs its text in memo*");
        ((Action)(() => Entry(EntryKind.Note, 0, line, memo: " "))).Should().Throw<ArgumentException>().WithMessage("*a note needs its text*");
        ((Action)(() => Entry(EntryKind.Note, 1, line, memo: "x"))).Should().Throw<ArgumentException>().WithMessage("*a note has no amount*");
        ((Action)(() => Entry(EntryKind.Note, 0, memo: "x"))).Should().Throw<ArgumentException>().WithMessage("*kind note needs a line*");
        ((Action)(() => Entry(EntryKind.Note, 0, line, memo: new string('n', Limits.MaxNoteLength + 1)))).Should().Throw<ArgumentException>()
            .WithMessage($"*at most {Limits.MaxNoteLength} characters*");

        var note = Entry(EntryKind.Note, 0, line, memo: new string('n', Limits.MaxNoteLength));
        note.Memo.Should().HaveLength(Limits.MaxNoteLength);
        ((Action)(() => note.Reverse(new EntryId("e-0002"), Month, "lead@example.org", Posted, "typo"))).Should().Throw<InvalidOperationException>()
            .WithMessage("*is a note*not reversed*");
    }

    [Fact]
    public void A_reversal_carries_the_negated_amount_and_the_id_it_reverses()
    {
        var original = Entry(EntryKind.Accrual, 1_500, new LineId("frailty-service"));

        var reversal = original.Reverse(new EntryId("e-0002"), Month.Next, "lead@example.org", Posted + Duration.FromDays(3), "invoice arrived");

        reversal.Kind.Should().Be(EntryKind.Reversal);
        reversal.Amount.Should().Be(Pounds.Of(-1_500));
        reversal.ReversesEntryId.Should().Be(original.Id);
        reversal.Line.Should().Be(original.Line);
        reversal.Month.Should().Be(Month.Next);
        var twice = () => reversal.Reverse(new EntryId("e-0003"), Month.Next, "lead@example.org", Posted, "again");
        twice.Should().Throw<InvalidOperationException>().WithMessage("*is itself a reversal*");
        var earlier = () => original.Reverse(new EntryId("e-0003"), Month.Previous, "lead@example.org", Posted, "back-dated");
        earlier.Should().Throw<ArgumentException>().WithMessage("*cannot be for an earlier month*");
    }

    [Fact]
    public void Sources_round_trip_through_text()
    {
        foreach (var source in new[] { EntrySource.Api, EntrySource.YearEnd, EntrySource.CsvImport("import-2024-10-01") })
        {
            EntrySource.TryParse(source.ToString(), out var read, out _).Should().BeTrue();
            read.Should().Be(source);
        }
        EntrySource.TryParse("email", out _, out var error).Should().BeFalse();
        error.Should().Contain("'email'");
    }
}
