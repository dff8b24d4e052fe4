using Finance.Domain.Money;

namespace Finance.Domain.Model;

/// <summary>What a partner agrees to put into the pool from one funding stream for the year.</summary>
public sealed record AgreedContribution
{
    public AgreedContribution(OrganisationId partner, FundingStreamId stream, Pence annualAmount)
    {
        Partner = Require.NotNull(partner, "partner");
        Stream = Require.NotNull(stream, "funding stream");
        if (annualAmount.IsNegative)
        {
            throw new ArgumentOutOfRangeException(nameof(annualAmount), annualAmount,
                $"Partner '{partner}' cannot agree to contribute a negative amount ({annualAmount}) to '{stream}'.");
        }
        AnnualAmount = annualAmount;
    }

    public OrganisationId Partner { get; }

    public FundingStreamId Stream { get; }

    public Pence AnnualAmount { get; }
}

/// <summary>
/// The section 75 agreement (National Health Service Act 2006, s.75) under which the partners pool money: who the
/// partners are, who hosts, who manages, what each contributes from which stream, and how over- and underspends fall.
/// </summary>
public sealed class Section75Agreement
{
    public Section75Agreement(
        IEnumerable<OrganisationId> partners,
        OrganisationId host,
        string poolManager,
        IEnumerable<AgreedContribution> contributions,
        RiskShareRule riskShare,
        UnderspendRule underspend)
    {
        Partners = Require.List(partners, "partners", Limits.MaxOrganisationsPerPool);
        if (Partners.Count == 0)
        {
            throw new ArgumentException("A section 75 agreement needs at least one partner.", nameof(partners));
        }
        if (Partners.GroupBy(p => p).FirstOrDefault(g => g.Count() > 1) is { } repeated)
        {
            throw new ArgumentException($"Partner '{repeated.Key}' is listed more than once.", nameof(partners));
        }
        Host = Require.NotNull(host, "host partner");
        if (!Partners.Contains(host))
        {
            throw new ArgumentException($"The host '{host}' is not one of the partners ({string.Join(", ", Partners)}).", nameof(host));
        }
        PoolManager = Require.Text(poolManager, "pool manager");
        Contributions = Require.List(contributions, "agreed contributions", Limits.MaxOrganisationsPerPool * Limits.MaxFundingStreamsPerPool);
        foreach (var contribution in Contributions)
        {
            if (!Partners.Contains(contribution.Partner))
            {
                throw new ArgumentException($"'{contribution.Partner}' contributes to '{contribution.Stream}' but is not a partner.", nameof(contributions));
            }
        }
        if (Contributions.GroupBy(c => (c.Partner, c.Stream)).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"Partner '{twice.Key.Partner}' has more than one contribution to '{twice.Key.Stream}'.", nameof(contributions));
        }
        RiskShare = Require.NotNull(riskShare, "risk-share rule");
        if (riskShare is RiskShareRule.FixedPercentages fixedShares
            && fixedShares.Shares.FirstOrDefault(s => !Partners.Contains(s.Partner)) is { } stranger)
        {
            throw new ArgumentException($"'{stranger.Partner}' has a fixed share of the risk but is not a partner.", nameof(riskShare));
        }
        if (!Enum.IsDefined(underspend))
        {
            throw new ArgumentOutOfRangeException(nameof(underspend), underspend, $"{underspend} is not an underspend rule.");
        }
        Underspend = underspend;
    }

    public IReadOnlyList<OrganisationId> Partners { get; }

    /// <summary>The partner that hosts the pool and keeps its accounts.</summary>
    public OrganisationId Host { get; }

    /// <summary>The named person who runs the pool.</summary>
    public string PoolManager { get; }

    public IReadOnlyList<AgreedContribution> Contributions { get; }

    public RiskShareRule RiskShare { get; }

    public UnderspendRule Underspend { get; }

    public Pence AgreedBy(OrganisationId partner) => Pence.Sum(Contributions.Where(c => c.Partner == partner).Select(c => c.AnnualAmount));

    public Pence AgreedTo(FundingStreamId stream) => Pence.Sum(Contributions.Where(c => c.Stream == stream).Select(c => c.AnnualAmount));
}
