using Finance.Domain.Ledger;
using Finance.Domain.Money;
using Finance.Domain.Statements;
using Finance.Storage.Ledger;
using FluentAssertions;
using NodaTime;
using Xunit;

namespace Finance.Storage.Tests.Ledger;

/// <summary>Postings against Azurite: balances are the fold of the entries, and the statement from them is the domain's.</summary>
public sealed class LedgerPostingTests(StorageAzurite azurite) : IClassFixture<StorageAzurite>
{
    private async Task<TestLedger> NewLedgerAsync() => new(await TestClients.NewTableAsync(azurite));

    [Fact]
    public async Task The_worked_example_posted_gives_the_statement_the_entries_give()
    {
        var ledger = await NewLedgerAsync();
        var entries = new List<JournalEntry>(await ledger.PostOpeningAsync());
        async Task Post(params JournalEntry[] posting)
        {
            (await ledger.PostAsync(posting)).Outcome.Should().Be(PostingOutcome.Applied);
            entries.AddRange(posting);
        }
        await Post(
            ledger.Entry(1, EntryKind.PriorYearInvoice, 4_000, TestLedger.ProgrammeManager),
            ledger.Actual(3, 4_000, TestLedger.ProgrammeManager),
            ledger.Actual(4, 4_000, TestLedger.ProgrammeManager));
        await Post(
            ledger.Entry(5, EntryKind.Accrual, 4_000, TestLedger.ProgrammeManager),
            ledger.Actual(5, 4_000, TestLedger.ProgrammeManager),
            ledger.Actual(6, 4_000, TestLedger.ProgrammeManager),
            ledger.Entry(6, EntryKind.Accrual, 4_000, TestLedger.ProgrammeManager));
        await Post(
            ledger.Entry(3, EntryKind.ForecastOutturn, 170_000, TestLedger.Frailty),
            ledger.Actual(4, 15_000, TestLedger.Frailty),
            ledger.Actual(5, 15_000, TestLedger.Frailty),
            ledger.Entry(5, EntryKind.ForecastOutturn, 150_000, TestLedger.Frailty),
            ledger.Entry(6, EntryKind.Accrual, 15_000, TestLedger.Frailty));
        await Post(ledger.Actual(2, 500, TestLedger.LeadershipAlliance), ledger.Actual(5, 1_200, TestLedger.LeadershipAlliance));

        var balances = await ledger.Repository.ReadBalancesAsync(ledger.Partition);
        var asAt = Instant.FromUtc(2024, 10, 10, 12, 0);
        var fromBalances = balances.Statement(ledger.Setup, TestLedger.Month(6), asAt);
        var fromEntries = BudgetStatement.Compute(ledger.Pool, ledger.Lines, entries, TestLedger.Month(6), asAt);

        LedgerVerification.Describe(fromBalances).Should().Be(LedgerVerification.Describe(fromEntries));
        fromBalances.Summary.TotalBudget.Should().Be(Pence.FromPounds(333_000));
        fromBalances.Summary.TotalCommitted.Should().Be(Pence.FromPounds(267_000));
        fromBalances.Summary.BalanceRemaining.Should().Be(Pence.FromPounds(66_000));
        var frailty = fromBalances.Rows.Single(r => r.Line == TestLedger.Frailty);
        (frailty.YtdTotal, frailty.Variance, frailty.ForecastOutturn).Should().Be(
            (Pence.FromPounds(45_000), Pence.FromPounds(-45_000), Pence.FromPounds(150_000)));
        fromBalances.Totals.YtdTotal.Should().Be(Pence.FromPounds(70_700));
        balances.Head.Seq.Should().Be(entries.Count);
        balances.Head.Postings.Should().Be(5);
        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task Balance_rows_hold_the_sums_of_their_entries()
    {
        var ledger = await NewLedgerAsync();
        await ledger.PostOpeningAsync();
        var pm = TestLedger.ProgrammeManager;
        var accrual = ledger.Entry(4, EntryKind.Accrual, 700, pm);
        var forecast = ledger.Entry(4, EntryKind.ForecastOutturn, 50_000, pm);
        var spent = ledger.Actual(4, 1_000, pm);
        await ledger.PostAsync(ledger.Actual(3, 2_500.25m, pm), spent, ledger.Actual(3, -500, pm), accrual, forecast,
            ledger.Entry(4, EntryKind.Adjustment, 10, pm, adjusts: EntryKind.Actual));
        await ledger.PostAsync(ledger.Reverse(spent, 7), ledger.Reverse(accrual, 4), ledger.Reverse(forecast, 6),
            ledger.Entry(2, EntryKind.CommitmentRelease, 8_000, pm), ledger.Entry(5, EntryKind.NilReturn, 0, pm));

        var row = (await ledger.Repository.ReadBalancesAsync(ledger.Partition)).ForLine(pm)!;

        row.Actuals[2].Should().Be(Pence.FromPounds(2_000.25m));
        row.Actuals[3].Should().Be(Pence.FromPounds(1_010));
        row.Actuals[6].Should().Be(Pence.FromPounds(-1_000), "a reversal counts in its own month");
        row.Accruals[3].Should().Be(Pence.Zero, "reversed in its own month");
        row.Forecasts.Should().ContainSingle().Which.CancelledFromMonth.Should().Be(6);
        row.Budget.Should().Be(Pence.FromPounds(40_000));
        row.EntryCount.Should().Be(12);
        row.Version.Should().Be(3);
        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task Entries_read_back_exactly_newest_first_in_pages_and_filtered()
    {
        var ledger = await NewLedgerAsync();
        var posted = new List<JournalEntry>(await ledger.PostOpeningAsync());
        for (var month = 1; month <= 7; month++)
        {
            var posting = new[]
            {
                ledger.Actual(month, 100 * month, TestLedger.Frailty),
                ledger.Entry(month, EntryKind.Accrual, 7, TestLedger.ProgrammeManager, memo: $"Month {month} – “accrued”"),
            };
            await ledger.PostAsync(posting);
            posted.AddRange(posting);
        }

        var all = await ledger.Repository.ReadAllEntriesAsync(ledger.Partition);
        all.Select(e => e.Entry).Should().Equal(posted);
        all.Select(e => e.Seq).Should().Equal(Enumerable.Range(1, posted.Count).Select(i => (long)i));

        var pages = new List<EntryPage>();
        long? before = null;
        do
        {
            var page = await ledger.Repository.ReadEntriesAsync(ledger.Partition, new EntryQuery { PageSize = 5, BeforeSeq = before });
            pages.Add(page);
            before = page.NextBeforeSeq;
        }
        while (before is not null);
        pages.SelectMany(p => p.Entries).Select(e => e.Entry).Should().Equal(Enumerable.Reverse(posted));
        pages.Should().HaveCount((posted.Count + 4) / 5);

        var frailtyActuals = await ledger.Repository.ReadEntriesAsync(ledger.Partition,
            new EntryQuery { Line = TestLedger.Frailty, Kind = EntryKind.Actual, PageSize = 3 });
        frailtyActuals.Entries.Select(e => e.Entry.Month.Number).Should().Equal(7, 6, 5);
        frailtyActuals.NextBeforeSeq.Should().Be(frailtyActuals.Entries[^1].Seq, "the next page starts before the last entry of this one");
        var rest = await ledger.Repository.ReadEntriesAsync(ledger.Partition,
            new EntryQuery { Line = TestLedger.Frailty, Kind = EntryKind.Actual, PageSize = 3, BeforeSeq = frailtyActuals.NextBeforeSeq });
        rest.Entries.Select(e => e.Entry.Month.Number).Should().OnlyContain(m => m < 5);

        var month4 = await ledger.Repository.ReadEntriesAsync(ledger.Partition, new EntryQuery { Month = TestLedger.Month(4) });
        month4.Entries.Should().HaveCount(2).And.OnlyContain(e => e.Entry.Month.Number == 4);

        var asAt = posted[12].PostedAt;
        var early = await ledger.Repository.ReadEntriesAsync(ledger.Partition, new EntryQuery { AsAt = asAt, PageSize = 1000 });
        early.Entries.Select(e => e.Entry).Should().Equal(Enumerable.Reverse(posted.Take(13)));
        (await ledger.Repository.ReadAllEntriesAsync(ledger.Partition, asAt)).Should().HaveCount(13);
        (await ledger.Repository.GetEntryAsync(ledger.Partition, posted[3].Id))!.Entry.Should().Be(posted[3]);
    }

    [Fact]
    public async Task The_posting_rules_refuse_and_nothing_is_written()
    {
        var ledger = await NewLedgerAsync();
        await ledger.PostOpeningAsync();
        var spent = ledger.Actual(3, 1_000, TestLedger.Frailty);
        await ledger.PostAsync(spent, ledger.Reverse(spent, 3));
        var before = await ledger.Repository.ReadHeadAsync(ledger.Partition);

        var ghost = new JournalEntry(ledger.NextId(), ledger.Pool.Id, TestLedger.Month(3), EntryKind.Reversal, Pence.FromPounds(-5), "someone",
            ledger.Clock.GetCurrentInstant(), EntrySource.Api, TestLedger.Frailty, reversesEntryId: new EntryId("not-there"), reason: "Oops");
        await FluentActions.Awaiting(() => ledger.PostAsync(ledger.Actual(3, 1, TestLedger.Frailty), ghost))
            .Should().ThrowAsync<PostingRefusedException>().WithMessage("*'not-there', which is not in the ledger*");
        await FluentActions.Awaiting(() => ledger.PostAsync(ledger.Reverse(spent, 4)))
            .Should().ThrowAsync<PostingRefusedException>().WithMessage("*already reversed*");
        await FluentActions.Awaiting(() => ledger.PostAsync(ledger.Entry(3, EntryKind.CommitmentRelease, 180_000.01m, TestLedger.Frailty)))
            .Should().ThrowAsync<PostingRefusedException>().WithMessage("*budget cannot be negative*");
        await FluentActions.Awaiting(() => ledger.PostAsync(ledger.Actual(3, 1, new Finance.Domain.Model.LineId("no-such-line"))))
            .Should().ThrowAsync<PostingRefusedException>().WithMessage("*has no line 'no-such-line'*");

        (await ledger.Repository.ReadHeadAsync(ledger.Partition)).ETag.Should().Be(before.ETag);
        var release = await ledger.PostAsync(ledger.Entry(3, EntryKind.CommitmentRelease, 180_000, TestLedger.Frailty));
        release.Outcome.Should().Be(PostingOutcome.Applied);
        (await ledger.Repository.ReadBalancesAsync(ledger.Partition)).ForLine(TestLedger.Frailty)!.Budget.Should().Be(Pence.Zero);
        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task A_posting_checked_against_an_older_set_up_is_refused()
    {
        var ledger = await NewLedgerAsync();
        await ledger.PostOpeningAsync();
        await ledger.Repository.AdvanceSetupVersionAsync(ledger.Partition, 2);

        var stale = () => ledger.PostAsync(ledger.Actual(2, 10, TestLedger.Frailty));

        (await stale.Should().ThrowAsync<StaleSetupException>()).Which.LedgerVersion.Should().Be(2);
        var current = await ledger.Repository.PostAsync(new LedgerSetup(ledger.Pool, ledger.Lines, 2), [ledger.Actual(2, 10, TestLedger.Frailty)]);
        current.Outcome.Should().Be(PostingOutcome.Applied);
        (await ledger.Repository.ReadHeadAsync(ledger.Partition)).SetupVersion.Should().Be(2);
    }

    [Fact]
    public async Task A_posting_larger_than_one_transaction_is_refused_and_split_runs_each_fit()
    {
        var ledger = await NewLedgerAsync();
        await ledger.PostOpeningAsync();
        var many = Enumerable.Range(0, 130).Select(i => ledger.Actual((i % 12) + 1, i + 1, TestLedger.AllLines[i % 4])).ToArray();

        await FluentActions.Awaiting(() => ledger.PostAsync(many))
            .Should().ThrowAsync<PostingTooLargeException>().WithMessage("*at most 96 entries*");
        var runs = PostingSize.Split(many, withIdempotency: true);
        runs.Should().OnlyContain(r => PostingSize.OperationsFor(r, true) <= 100 && r.Count <= LedgerLimits.MaxEntriesPerStoredPosting);
        runs.SelectMany(r => r).Should().Equal(many);
        // Head, idempotency record, four balance rows, an id claim per entry and one journal row for them all: 93 entries.
        runs[0].Should().HaveCount(100 - 1 - 1 - 4 - 1);
        PostingSize.OperationsFor(runs[0], true).Should().Be(1 + 1 + 4 + runs[0].Count + 1);
        foreach (var run in runs)
        {
            await ledger.Repository.PostAsync(ledger.Setup, run);
        }

        (await ledger.Repository.ReadHeadAsync(ledger.Partition)).Seq.Should().Be(ledger.Opening().Count + 130);
        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();
    }
}
