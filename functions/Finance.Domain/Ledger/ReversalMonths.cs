using Finance.Domain.Calendar;

namespace Finance.Domain.Ledger;

/// <summary>Why a reversal cannot go where it was asked to, or anywhere this year.</summary>
public enum ReversalMonthProblem
{
    /// <summary>The month asked for is before the month of the entry reversed.</summary>
    BeforeTheEntry,

    /// <summary>Every month from the entry's to the end of the year is closed: the correction goes into next year.</summary>
    NoOpenMonth,
}

/// <summary>
/// Which month a correction lands in. Closed months cannot change, so a reversal goes into an open month: the one asked
/// for (never before the entry it reverses; if that month is closed the ledger refuses it, naming the month), else the
/// entry's own month if it is open, else the first open month after it in the same year.
/// </summary>
public static class ReversalMonths
{
    public static FinancialMonth? For(
        FinancialMonth entryMonth, FinancialMonth? asked, Func<FinancialMonth, bool> isClosed, out ReversalMonthProblem? problem)
    {
        ArgumentNullException.ThrowIfNull(entryMonth);
        ArgumentNullException.ThrowIfNull(isClosed);
        problem = null;
        if (asked is not null)
        {
            if (asked.Year != entryMonth.Year || asked < entryMonth)
            {
                problem = ReversalMonthProblem.BeforeTheEntry;
                return null;
            }
            return asked;
        }
        var open = entryMonth.Year.Months.Where(m => m >= entryMonth).FirstOrDefault(m => !isClosed(m));
        if (open is null)
        {
            problem = ReversalMonthProblem.NoOpenMonth;
        }
        return open;
    }
}
