using Azure.Data.Tables;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Domain.Statements;
using Finance.Storage.Ledger;
using FluentAssertions;
using FsCheck;
using FsCheck.Fluent;
using Xunit;
using Xunit.Abstractions;

namespace Finance.Storage.Tests.Ledger;

/// <summary>The shape of a random entry; <see cref="LedgerPropertyTests"/> turns it into a valid one (the rules may still refuse it).</summary>
internal sealed record EntrySpec(int Kind, int Target, int Month, int AmountPence);

/// <summary>A random posting, and optionally a month closed after it.</summary>
internal sealed record PostingSpec(EntrySpec[] Entries, int CloseMonthAfter)
{
    public override string ToString() => $"[{string.Join(", ", Entries.Select(e => e.ToString()))}] close {CloseMonthAfter}";
}

/// <summary>Random sequences of postings, reversals, adjustments and closes against Azurite, checked against an in-memory model.</summary>
public sealed class LedgerPropertyTests(StorageAzurite azurite, ITestOutputHelper output) : IClassFixture<StorageAzurite>
{
    private static readonly (FundingStreamId Stream, OrganisationId Partner)[] Contributors =
        [(TestLedger.PlaceAllocation, TestLedger.Icb), (TestLedger.Leadership, TestLedger.Hospital)];

    private static readonly FundingStreamId[] Streams = [TestLedger.PlaceAllocation, TestLedger.Leadership, TestLedger.Balance];

    private static readonly EntryKind[] Adjustable = [EntryKind.Actual, EntryKind.Accrual, EntryKind.Commitment, EntryKind.Allocation, EntryKind.PriorYearInvoice];

    private static readonly Gen<PostingSpec[]> Cases =
        from postingCount in Gen.Choose(1, 8)
        from postings in Gen.ArrayOf(
            from entryCount in Gen.Choose(1, 6)
            from entries in Gen.ArrayOf(
                from kind in Gen.Choose(0, 14)
                from target in Gen.Choose(0, 1_000)
                from month in Gen.Choose(1, 12)
                from amount in Gen.Choose(-50_000, 500_000)
                select new EntrySpec(kind, target, month, amount), entryCount)
            from closeDie in Gen.Choose(0, 4)
            from closeMonth in Gen.Choose(1, 12)
            select new PostingSpec(entries, closeDie == 0 ? closeMonth : 0), postingCount)
        select postings;

    private int partitions;
    private int applied;
    private int refused;
    private int reversalsApplied;

    [Fact]
    public async Task Random_postings_and_reversals_keep_balances_equal_to_the_fold_of_the_entries()
    {
        var table = await TestClients.NewTableAsync(azurite);
        var property = Prop.ForAll(Cases.ToArbitrary(), postings => RunAsync(table, postings).GetAwaiter().GetResult());

        // Off xunit's synchronisation context: the property blocks on the repository's tasks.
        await Task.Run(() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(12), property));

        output.WriteLine($"{partitions} ledgers: {applied} postings applied ({reversalsApplied} reversals), {refused} refused");
        applied.Should().BeGreaterThan(refused, "most generated postings should be valid, or the property tests little");
        reversalsApplied.Should().BePositive();
    }

    private async Task RunAsync(TableClient table, PostingSpec[] postings)
    {
        var ledger = new TestLedger(table, poolId: $"prop-{Interlocked.Increment(ref partitions)}");
        var accepted = new List<JournalEntry>(await ledger.PostOpeningAsync());
        foreach (var posting in postings)
        {
            var entries = new List<JournalEntry>();
            foreach (var spec in posting.Entries)
            {
                entries.Add(Build(ledger, spec, accepted.Concat(entries).Where(e => e.Kind is not (EntryKind.Reversal or EntryKind.Note)).ToList()));
            }
            try
            {
                (await ledger.PostAsync([.. entries])).Outcome.Should().Be(PostingOutcome.Applied);
                accepted.AddRange(entries);
                Interlocked.Increment(ref applied);
                Interlocked.Add(ref reversalsApplied, entries.Count(e => e.Kind == EntryKind.Reversal));
            }
            catch (Exception e) when (e is PostingRefusedException or MonthClosedException)
            {
                // Refused as a whole: nothing of it may be in the ledger.
                Interlocked.Increment(ref refused);
                (await ledger.Repository.GetEntryAsync(ledger.Partition, entries[0].Id)).Should().BeNull();
            }
            if (posting.CloseMonthAfter > 0)
            {
                await ledger.Repository.CloseMonthAsync(ledger.Partition, TestLedger.Month(posting.CloseMonthAfter));
            }
        }

        var journal = await ledger.Repository.ReadAllEntriesAsync(ledger.Partition);
        journal.Select(e => e.Entry).Should().Equal(accepted);
        var balances = await ledger.Repository.ReadBalancesAsync(ledger.Partition);
        balances.Head.Net.Should().Be(Pence.Sum(accepted.Select(e => e.Amount)));
        var asAt = balances.Head.LatestPostedAt!.Value;
        foreach (var month in TestLedger.Year.Months)
        {
            // Against the model's entries, not storage's own fold.
            LedgerVerification.Describe(balances.Statement(ledger.Setup, month, asAt))
                .Should().Be(LedgerVerification.Describe(BudgetStatement.Compute(ledger.Pool, ledger.Lines, accepted, month, asAt)));
        }
        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();
    }

    private static JournalEntry Build(TestLedger ledger, EntrySpec spec, List<JournalEntry> reversible)
    {
        var line = TestLedger.AllLines[spec.Target % TestLedger.AllLines.Count];
        var pounds = spec.AmountPence / 100m;
        var nonZero = pounds == 0 ? 0.01m : pounds;
        var positive = Math.Abs(pounds) + 0.01m;
        var (stream, partner) = Contributors[spec.Target % Contributors.Length];
        return spec.Kind switch
        {
            0 => ledger.Entry(spec.Month, EntryKind.Actual, nonZero, line),
            1 => ledger.Entry(spec.Month, EntryKind.Accrual, nonZero, line),
            2 => ledger.Entry(spec.Month, EntryKind.PriorYearInvoice, nonZero, line),
            3 => ledger.Entry(spec.Month, EntryKind.ForecastOutturn, Math.Abs(pounds), line),
            4 => ledger.Entry(spec.Month, EntryKind.Commitment, positive, line),
            5 => ledger.Entry(spec.Month, EntryKind.CommitmentRelease, Math.Round(positive / 10, 2) + 0.01m, line),
            6 => ledger.Entry(spec.Month, EntryKind.Allocation, positive, stream: Streams[spec.Target % Streams.Length]),
            7 => ledger.Entry(spec.Month, EntryKind.CarryForwardIn, nonZero, stream: Streams[spec.Target % Streams.Length]),
            8 => ledger.Entry(spec.Month, EntryKind.Contribution, positive, stream: stream, partner: partner),
            9 => Adjustment(ledger, spec, line, nonZero),
            10 => ledger.Entry(spec.Month, EntryKind.NilReturn, 0, line),
            11 => ledger.Entry(spec.Month, EntryKind.Note, 0, line, memo: $"Note {spec.Target} for month {spec.Month}."),
            _ when reversible.Count > 0 => Reversal(ledger, spec, reversible),
            _ => ledger.Entry(spec.Month, EntryKind.Actual, nonZero, line),
        };
    }

    private static JournalEntry Adjustment(TestLedger ledger, EntrySpec spec, LineId line, decimal pounds)
    {
        var kind = Adjustable[spec.Target % Adjustable.Length];
        return kind == EntryKind.Allocation
            ? ledger.Entry(spec.Month, EntryKind.Adjustment, pounds, stream: Streams[spec.Target % Streams.Length], adjusts: kind)
            : ledger.Entry(spec.Month, EntryKind.Adjustment, pounds, line, adjusts: kind);
    }

    private static JournalEntry Reversal(TestLedger ledger, EntrySpec spec, List<JournalEntry> reversible)
    {
        var target = reversible[spec.Target % reversible.Count];
        return ledger.Reverse(target, Math.Max(target.Month.Number, spec.Month));
    }
}
