using System.Globalization;
using Finance.Domain.Calendar;
using Finance.Storage.Pools;

namespace Finance.Functions.Pools;

/// <summary>The year and month route parameters (<c>2024-25</c>, <c>1</c>–<c>12</c>, shapes already checked by
/// <c>RouteParameters</c>) read against the pool's own financial year.</summary>
public static class PoolPeriods
{
    /// <summary>The year, when the pool exists and is for it; null otherwise (the caller answers 404).</summary>
    public static FinancialYear? Year(PoolRecord? pool, string year)
    {
        if (pool is null)
        {
            return null;
        }
        var asked = FinancialYear.Parse(year.Replace('-', '/'));
        return asked == pool.Year ? asked : null;
    }

    /// <summary>The month of the pool's year, or null as for <see cref="Year"/>.</summary>
    public static FinancialMonth? Month(PoolRecord? pool, string year, string month) =>
        Year(pool, year)?.Month(int.Parse(month, NumberStyles.None, CultureInfo.InvariantCulture));
}
