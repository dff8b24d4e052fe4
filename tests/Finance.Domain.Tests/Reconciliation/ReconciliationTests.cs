using FluentAssertions;
using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Money;
using Finance.Domain.Reconciliation;
using Finance.Domain.Tests.Support;
using NodaTime;

namespace Finance.Domain.Tests.Reconciliation;

public sealed class ReconciliationTests
{
    private static readonly Instant August2024Close = LondonTime.StartOfDay(new LocalDate(2024, 9, 15));
    private readonly Riverside _riverside = new();

    /// <summary>Months 1 to 5 closed, the last on 15 September 2024.</summary>
    private static MonthClose[] ClosedThroughAugust => [.. Enumerable.Range(1, 5).Select(m => new MonthClose(Riverside.Month(m), August2024Close))];

    private ReconciliationReport Run(IReadOnlyList<MonthClose>? closed = null, ReconciliationOptions? options = null, int month = 6) =>
        ReconciliationRules.Run(new ReconciliationInput(_riverside.Pool, _riverside.Lines, _riverside.Entries, Riverside.Month(month),
            Riverside.AsAt, closed ?? ClosedThroughAugust, options ?? ReconciliationOptions.Default));

    [Fact]
    public void Riverside_at_month_6_has_a_missing_submission_and_a_large_forecast_variance()
    {
        var report = Run();

        report.HasBlocking.Should().BeFalse();
        report.Findings.Select(f => (f.Code, f.Severity, f.Line?.Value, f.Month?.Number)).Should().BeEquivalentTo(new[]
        {
            (FindingCodes.MissingSubmission, Severity.Warning, (string?)"leadership-alliance", (int?)6),
            (FindingCodes.ForecastVarianceAboveThreshold, Severity.Warning, "frailty-service", null),
        });
        report.Findings.Single(f => f.Code == FindingCodes.ForecastVarianceAboveThreshold).Message
            .Should().Be("Frailty Service: forecast outturn £150,000.00 against a budget of £180,000.00, a variance of -£30,000.00 (-16.7%).");
        report.Findings.Single(f => f.Code == FindingCodes.MissingSubmission).Message
            .Should().Be("Leadership – Alliance: no actual, accrual or nil return from Riverside Hospital for M6 (September 2024).");
    }

    [Fact]
    public void A_nil_return_answers_for_a_month_and_open_months_are_all_checked()
    {
        _riverside.Post(6, EntryKind.NilReturn, 0, Riverside.LeadershipAlliance);
        Run().Findings.Should().NotContain(f => f.Code == FindingCodes.MissingSubmission);

        var missing = Run(closed: []).Findings.Where(f => f.Code == FindingCodes.MissingSubmission)
            .Select(f => (f.Line!.Value, f.Month!.Number));
        missing.Should().BeEquivalentTo(new[]
        {
            ("programme-manager", 1), ("programme-manager", 2),
            ("frailty-service", 1), ("frailty-service", 2), ("frailty-service", 3),
            ("leadership-alliance", 1), ("leadership-alliance", 3), ("leadership-alliance", 4),
        }, "a prior-year invoice or a forecast is not a month's submission, and the data analyst starts in month 7");
    }

    [Fact]
    public void Variance_thresholds_are_configurable_and_both_must_be_exceeded()
    {
        Run(options: new ReconciliationOptions(variancePercentThreshold: 20m)).Findings
            .Should().NotContain(f => f.Code == FindingCodes.ForecastVarianceAboveThreshold);
        Run(options: new ReconciliationOptions(varianceAmountThreshold: Pounds.Of(30_000))).Findings
            .Should().NotContain(f => f.Code == FindingCodes.ForecastVarianceAboveThreshold, "a variance of exactly the threshold is not above it");
        Run(options: new ReconciliationOptions(varianceAmountThreshold: Pounds.Of(29_999.99m))).Findings
            .Should().Contain(f => f.Code == FindingCodes.ForecastVarianceAboveThreshold);
    }

    [Fact]
    public void Allocations_that_disagree_with_contributions_block_the_close()
    {
        _riverside.Post(6, EntryKind.Allocation, 5_000, stream: Riverside.Leadership);

        var finding = Run().Findings.Should().ContainSingle(f => f.Code == FindingCodes.AllocationsDisagreeWithContributions).Subject;
        finding.Severity.Should().Be(Severity.Blocking);
        finding.Stream.Should().Be(Riverside.Leadership);
        finding.Message.Should().Be("Leadership funding: allocations total £14,000.00 but partners' contributions total £9,000.00 (difference £5,000.00).");
    }

    [Fact]
    public void Contributions_that_disagree_with_the_agreement_are_a_warning()
    {
        _riverside.Post(6, EntryKind.Contribution, 1_000, stream: Riverside.PlaceAllocation, partner: Riverside.Council);
        _riverside.Post(6, EntryKind.Allocation, 1_000, stream: Riverside.PlaceAllocation);

        Run().Findings.Should().ContainSingle(f => f.Code == FindingCodes.ContributionsDisagreeWithAgreement)
            .Which.Message.Should().Be("Riverside Council has contributed £1,000.00 to Place-based allocation; the agreement says £0.00.");
    }

    [Fact]
    public void Line_budgets_above_the_pool_and_spend_above_a_line_budget_are_found()
    {
        _riverside.Post(6, EntryKind.Commitment, 70_000, Riverside.DataAnalyst, day: -1);
        _riverside.Post(6, EntryKind.Actual, 2_000, Riverside.LeadershipAlliance);

        var findings = Run().Findings;
        findings.Should().ContainSingle(f => f.Code == FindingCodes.LineBudgetsExceedPool)
            .Which.Message.Should().Contain("£337,000.00 committed against a total budget of £333,000.00");
        findings.Should().ContainSingle(f => f.Code == FindingCodes.CommittedAboveBudget)
            .Which.Line.Should().Be(Riverside.LeadershipAlliance);
    }

    [Fact]
    public void Entries_dated_after_the_period_are_flagged_by_whether_the_statement_counts_them()
    {
        _riverside.Post(7, EntryKind.Actual, 100, Riverside.ProgrammeManager, postedAt: Riverside.AsAt - Duration.FromMinutes(5));
        _riverside.Post(9, EntryKind.Commitment, 100, Riverside.ProgrammeManager, postedAt: Riverside.AsAt - Duration.FromMinutes(5));

        var after = Run().Findings.Where(f => f.Code == FindingCodes.EntryAfterPeriod).ToArray();
        after.Select(f => (f.Severity, f.Month!.Number)).Should().BeEquivalentTo(new[] { (Severity.Warning, 7), (Severity.Info, 9) });
    }

    [Fact]
    public void An_entry_posted_into_a_month_after_it_closed_blocks()
    {
        var sneaky = _riverside.Post(5, EntryKind.Actual, 250, Riverside.Frailty, postedAt: August2024Close + Duration.FromDays(1));

        var finding = Run().Findings.Should().ContainSingle(f => f.Code == FindingCodes.EntryInClosedMonth).Subject;
        finding.Severity.Should().Be(Severity.Blocking);
        finding.Entry.Should().Be(sneaky.Id);
        finding.Message.Should().StartWith($"actual '{sneaky.Id.Value}'", "kinds are named as the API names them");
        Run().Findings[0].Code.Should().Be(FindingCodes.EntryInClosedMonth, "blocking findings come first");
    }

    [Fact]
    public void Reversals_of_missing_entries_and_duplicate_ids_are_reported_and_not_counted()
    {
        _riverside.Add(new JournalEntry(_riverside.NextId(), _riverside.Pool.Id, Riverside.Month(6), EntryKind.Reversal, Pounds.Of(-10),
            "lead@example.org", Riverside.AsAt, EntrySource.Api, Riverside.Frailty, reversesEntryId: new EntryId("not-there"), reason: "oops"));
        _riverside.Add(new JournalEntry(_riverside.Entries[0].Id, _riverside.Pool.Id, Riverside.Month(6), EntryKind.Actual, Pounds.Of(99),
            "lead@example.org", Riverside.AsAt, EntrySource.Api, Riverside.Frailty));

        var codes = Run().Findings.Select(f => f.Code);
        codes.Should().Contain(FindingCodes.UnmatchedReversal).And.Contain(FindingCodes.DuplicateEntryId);
        Run().Findings.Single(f => f.Code == FindingCodes.DuplicateEntryId).Message.Should().Contain("(actual, ");
        var statement = Finance.Domain.Statements.BudgetStatement.Compute(_riverside.Pool, _riverside.Lines, _riverside.Entries, Riverside.Month(6), Riverside.AsAt);
        statement.Rows[1].YtdActuals.Should().Be(Pounds.Of(30_000));
    }

    [Fact]
    public void Thresholds_refuse_impossible_values()
    {
        var negative = () => new ReconciliationOptions(varianceAmountThreshold: new Pence(-1));
        negative.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*-£0.01 cannot be negative*");
    }
}
