using NodaTime;

namespace Finance.Domain.Calendar;

/// <summary>
/// What a statement covers: the month it runs to (its period end), the moment it is as at (effective time: what had
/// happened by then) and, when given, the moment it is as known at (recorded time: only what had been recorded by then).
/// They differ: a statement to 30 November as at 12 December includes a commitment approved on 9 December, however late
/// it was typed in; as known at 12 December it shows exactly what the ledger showed that day.
/// </summary>
public sealed record StatementPeriod
{
    public StatementPeriod(FinancialMonth month, Instant asAt, Instant? knownAt = null)
    {
        ArgumentNullException.ThrowIfNull(month);
        Month = month;
        AsAt = asAt;
        KnownAt = knownAt;
    }

    public FinancialMonth Month { get; }

    /// <summary>Entries effective after this instant are not in the statement.</summary>
    public Instant AsAt { get; }

    /// <summary>Entries recorded (posted) after this instant are not in the statement; null: all recorded so far.</summary>
    public Instant? KnownAt { get; }

    public FinancialYear Year => Month.Year;

    public LocalDate PeriodEnd => Month.PeriodEnd;

    public LocalDate AsAtDate => LondonTime.DateOf(AsAt);

    public bool IsDrawnAfterPeriodEnd => AsAtDate > PeriodEnd;

    public static StatementPeriod DrawnNow(FinancialMonth month, IClock clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return new StatementPeriod(month, clock.GetCurrentInstant());
    }

    /// <summary>"M8 2019/20 to 30 November 2019, as at 2019-12-12 09:00" (and ", as known at ..." when given).</summary>
    public override string ToString() =>
        $"{Month.Label} {Month.Year} to {LondonTime.FormatDate(PeriodEnd)}, as at {LondonTime.Format(AsAt)}"
        + (KnownAt is { } known ? $", as known at {LondonTime.Format(known)}" : "");
}
