using System.Globalization;

namespace Finance.Domain.Model;

/// <summary>Who bears an overspend, as the section 75 agreement says. One of the nested cases.</summary>
public abstract record RiskShareRule
{
    private RiskShareRule()
    {
    }

    /// <summary>
    /// Shared in proportion to the partners' agreed contributions. Without capital, revenue and capital are settled
    /// separately, each in proportion to the contributions of its own nature (the common "revenue only" wording).
    /// </summary>
    public sealed record ProportionalToContributions(bool IncludeCapital) : RiskShareRule;

    /// <summary>Shared by fixed percentages written into the agreement, adding up to exactly 100%.</summary>
    public sealed record FixedPercentages : RiskShareRule
    {
        public FixedPercentages(IEnumerable<PartnerShare> shares)
        {
            var list = Require.List(shares, "partner shares", Limits.MaxOrganisationsPerPool);
            if (list.Count == 0)
            {
                throw new ArgumentException("Fixed percentages need at least one partner's share.", nameof(shares));
            }
            if (list.GroupBy(s => s.Partner).FirstOrDefault(g => g.Count() > 1) is { } repeated)
            {
                throw new ArgumentException($"Partner '{repeated.Key}' has more than one share.", nameof(shares));
            }
            var total = list.Sum(s => s.Percent);
            if (total != 100m)
            {
                throw new ArgumentException(
                    $"The partners' shares add up to {total.ToString("0.##", CultureInfo.InvariantCulture)}%, not 100%.", nameof(shares));
            }
            Shares = list;
        }

        public IReadOnlyList<PartnerShare> Shares { get; }
    }

    /// <summary>The host partner bears the whole overspend.</summary>
    public sealed record HostBearsAll : RiskShareRule;

    /// <summary>
    /// Each partner bears the overspend on the schemes it commissions. A line's commissioner is the one named on the
    /// line, else the funder of its funding stream, else the host partner.
    /// </summary>
    public sealed record CommissionerBearsOwnSchemes : RiskShareRule;
}

/// <summary>A partner's fixed share of an overspend: more than 0% and at most 100%, to at most two decimal places.</summary>
public sealed record PartnerShare
{
    public PartnerShare(OrganisationId partner, decimal percent)
    {
        Partner = Require.NotNull(partner, "partner");
        if (percent is <= 0m or > 100m || decimal.Round(percent, 2) != percent)
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent,
                $"{percent.ToString(CultureInfo.InvariantCulture)}% is not a share for '{partner}': use more than 0 and at most 100, with at most two decimal places.");
        }
        Percent = percent;
    }

    public OrganisationId Partner { get; }

    public decimal Percent { get; }

    /// <summary>The share in hundredths of a percent, for exact apportioning.</summary>
    internal long BasisPoints => decimal.ToInt64(Percent * 100m);
}

/// <summary>What happens to an underspend at year end, as the agreement says.</summary>
public enum UnderspendRule
{
    CarryForward,
    ReturnInProportion,
    KeepAsContingency,
}
