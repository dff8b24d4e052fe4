using NodaTime;

namespace Finance.Domain.Calendar;

/// <summary>
/// What a statement covers: the month it runs to (its period end) and the moment it was drawn (its as-at). They differ:
/// a statement to 30 November drawn on 12 December includes a commitment approved on 9 December.
/// </summary>
public sealed record StatementPeriod
{
    public StatementPeriod(FinancialMonth month, Instant asAt)
    {
        ArgumentNullException.ThrowIfNull(month);
        Month = month;
        AsAt = asAt;
    }

    public FinancialMonth Month { get; }

    /// <summary>Entries posted after this instant are not in the statement.</summary>
    public Instant AsAt { get; }

    public FinancialYear Year => Month.Year;

    public LocalDate PeriodEnd => Month.PeriodEnd;

    public LocalDate AsAtDate => LondonTime.DateOf(AsAt);

    public bool IsDrawnAfterPeriodEnd => AsAtDate > PeriodEnd;

    public static StatementPeriod DrawnNow(FinancialMonth month, IClock clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return new StatementPeriod(month, clock.GetCurrentInstant());
    }

    /// <summary>"M8 2019/20 to 30 November 2019, as at 2019-12-12 09:00".</summary>
    public override string ToString() =>
        $"{Month.Label} {Month.Year} to {LondonTime.FormatDate(PeriodEnd)}, as at {LondonTime.Format(AsAt)}";
}
