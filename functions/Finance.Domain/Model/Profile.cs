using Finance.Domain.Money;

namespace Finance.Domain.Model;

/// <summary>
/// How a line's annual budget is expected to fall across the twelve months; the statement's YTD Forecast is the profile
/// to month M. A profile shapes the budget, it does not fix it: the budget comes from the ledger's commitments, so a
/// profile is a set of weights that are spread over whatever the budget is.
/// </summary>
public abstract record Profile
{
    private Profile()
    {
    }

    /// <summary>The months' amounts for an annual budget: twelve values, month 1 first, adding up to it exactly.</summary>
    public abstract IReadOnlyList<Pence> Spread(Pence annualBudget, int startMonth);

    /// <summary>Why this profile cannot apply to a line starting in <paramref name="startMonth"/>, or null.</summary>
    internal abstract string? ProblemForStartMonth(int startMonth);

    /// <summary>Equal amounts from the line's start month to month 12, the odd pence going to the earliest months.</summary>
    public sealed record StraightLine : Profile
    {
        public override IReadOnlyList<Pence> Spread(Pence annualBudget, int startMonth) =>
            Apportion.ByWeights(annualBudget, Enumerable.Range(1, 12).Select(m => m >= startMonth ? 1L : 0L).ToArray());

        internal override string? ProblemForStartMonth(int startMonth) => null;
    }

    /// <summary>
    /// A month-by-month shape. When the amounts add up to the budget the profile reproduces them exactly; when the
    /// budget changes, the same shape is scaled to it (largest remainder, so it still adds up to the penny).
    /// </summary>
    public sealed record CustomMonthly : Profile
    {
        public CustomMonthly(IEnumerable<Pence> monthlyAmounts)
        {
            var amounts = Require.List(monthlyAmounts, "monthly profile amounts", 12);
            if (amounts.Count != 12)
            {
                throw new ArgumentException($"A monthly profile needs 12 amounts, one per month; {amounts.Count} were given.", nameof(monthlyAmounts));
            }
            for (var i = 0; i < 12; i++)
            {
                if (amounts[i].IsNegative)
                {
                    throw new ArgumentException($"Month {i + 1} of the profile is {amounts[i]}; profile amounts cannot be negative.", nameof(monthlyAmounts));
                }
            }
            if (amounts.All(a => a.IsZero))
            {
                throw new ArgumentException("A monthly profile needs at least one month with an amount above zero.", nameof(monthlyAmounts));
            }
            MonthlyAmounts = amounts;
        }

        public IReadOnlyList<Pence> MonthlyAmounts { get; }

        public override IReadOnlyList<Pence> Spread(Pence annualBudget, int startMonth) => Apportion.ByWeights(annualBudget, MonthlyAmounts);

        internal override string? ProblemForStartMonth(int startMonth) =>
            Enumerable.Range(1, startMonth - 1).FirstOrDefault(m => !MonthlyAmounts[m - 1].IsZero) is var early and > 0
                ? $"the profile puts {MonthlyAmounts[early - 1]} in month {early}, before the line starts in month {startMonth}"
                : null;
    }

    /// <summary>The whole budget in one month.</summary>
    public sealed record LumpSum : Profile
    {
        public LumpSum(int month)
        {
            if (month is < 1 or > 12)
            {
                throw new ArgumentOutOfRangeException(nameof(month), month, $"Month {month} is not a financial month for a lump sum: use 1 (April) to 12 (March).");
            }
            Month = month;
        }

        public int Month { get; }

        public override IReadOnlyList<Pence> Spread(Pence annualBudget, int startMonth) =>
            Enumerable.Range(1, 12).Select(m => m == Month ? annualBudget : Pence.Zero).ToArray();

        internal override string? ProblemForStartMonth(int startMonth) =>
            Month < startMonth ? $"the lump sum falls in month {Month}, before the line starts in month {startMonth}" : null;
    }
}
