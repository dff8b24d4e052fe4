using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using NodaTime;

namespace Finance.Domain.Reconciliation;

public enum Severity
{
    /// <summary>The month cannot be closed until this is fixed.</summary>
    Blocking,
    /// <summary>Someone should look at this before the board does.</summary>
    Warning,
    /// <summary>Worth knowing; nothing to fix.</summary>
    Info,
}

/// <summary>One thing reconciliation found. <see cref="Code"/> is stable (see <see cref="FindingCodes"/>); the message is for people.</summary>
public sealed record Finding(
    string Code,
    Severity Severity,
    string Message,
    LineId? Line = null,
    FundingStreamId? Stream = null,
    OrganisationId? Partner = null,
    FinancialMonth? Month = null,
    EntryId? Entry = null);

/// <summary>The stable codes of findings: alerting, dashboards and tests key on these, so they never change meaning.</summary>
public static class FindingCodes
{
    public const string AllocationsDisagreeWithContributions = "allocations-disagree-with-contributions";
    public const string ContributionsDisagreeWithAgreement = "contributions-disagree-with-agreement";
    public const string LineBudgetsExceedPool = "line-budgets-exceed-pool";
    public const string StatementIdentityFails = "statement-identity-fails";
    public const string EntryAfterPeriod = "entry-after-period";
    public const string MissingSubmission = "missing-submission";
    public const string CommittedAboveBudget = "committed-above-budget";
    public const string ForecastVarianceAboveThreshold = "forecast-variance-above-threshold";
    public const string EntryInClosedMonth = "entry-in-closed-month";
    public const string UnmatchedReversal = "unmatched-reversal";
    public const string DuplicateEntryId = "duplicate-entry-id";
}

/// <summary>A month the pool manager closed, and when. Entries for it posted later went round the lock.</summary>
public sealed record MonthClose(FinancialMonth Month, Instant ClosedAt);

/// <summary>
/// How far a line's forecast outturn may stray from its annual budget before it is reported: a variance is reported
/// when it is above both thresholds (default 5% and £10,000), so small lines do not flood the report.
/// </summary>
public sealed record ReconciliationOptions
{
    public ReconciliationOptions(decimal variancePercentThreshold = 5m, Pence? varianceAmountThreshold = null)
    {
        if (variancePercentThreshold is < 0m or > 1000m)
        {
            throw new ArgumentOutOfRangeException(nameof(variancePercentThreshold), variancePercentThreshold,
                $"A variance threshold of {variancePercentThreshold}% is not usable; use 0 to 1000.");
        }
        var amount = varianceAmountThreshold ?? Pence.FromPounds(10_000);
        if (amount.IsNegative)
        {
            throw new ArgumentOutOfRangeException(nameof(varianceAmountThreshold), amount, $"A variance threshold of {amount} cannot be negative.");
        }
        VariancePercentThreshold = variancePercentThreshold;
        VarianceAmountThreshold = amount;
    }

    public static ReconciliationOptions Default { get; } = new();

    public decimal VariancePercentThreshold { get; }

    public Pence VarianceAmountThreshold { get; }
}

/// <summary>Everything reconciliation looks at for one pool, month and as-at.</summary>
public sealed record ReconciliationInput(
    Pool Pool,
    IReadOnlyList<BudgetLine> Lines,
    IReadOnlyList<JournalEntry> Entries,
    FinancialMonth Month,
    Instant AsAt,
    IReadOnlyList<MonthClose> ClosedMonths,
    ReconciliationOptions Options);

/// <summary>The findings for a pool and month, blocking first.</summary>
public sealed record ReconciliationReport(StatementPeriod Period, IReadOnlyList<Finding> Findings)
{
    public bool HasBlocking => Findings.Any(f => f.Severity == Severity.Blocking);
}
