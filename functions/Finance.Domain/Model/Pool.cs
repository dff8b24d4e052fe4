using Finance.Domain.Calendar;

namespace Finance.Domain.Model;

/// <summary>
/// A pooled budget for one financial year: its organisations, the funding streams it holds and the section 75
/// agreement it runs under. Next year's pool is a new value with the same id. Lines and entries live apart from the
/// pool (they grow through the year); calculators take all three.
/// </summary>
public sealed class Pool
{
    public Pool(
        PoolId id,
        string name,
        FinancialYear year,
        IEnumerable<Organisation> organisations,
        IEnumerable<FundingStream> fundingStreams,
        Section75Agreement agreement)
    {
        Id = Require.NotNull(id, "pool id");
        Name = Require.Text(name, "pool name");
        Year = Require.NotNull(year, "financial year");
        Organisations = Require.List(organisations, "organisations", Limits.MaxOrganisationsPerPool);
        FundingStreams = Require.List(fundingStreams, "funding streams", Limits.MaxFundingStreamsPerPool);
        Agreement = Require.NotNull(agreement, "section 75 agreement");

        if (Organisations.GroupBy(o => o.Id).FirstOrDefault(g => g.Count() > 1) is { } twiceOrg)
        {
            throw new ArgumentException($"Organisation '{twiceOrg.Key}' is listed more than once in pool '{id}'.", nameof(organisations));
        }
        if (FundingStreams.GroupBy(s => s.Id).FirstOrDefault(g => g.Count() > 1) is { } twiceStream)
        {
            throw new ArgumentException($"Funding stream '{twiceStream.Key}' is listed more than once in pool '{id}'.", nameof(fundingStreams));
        }
        foreach (var stream in FundingStreams)
        {
            RequireOrganisation(stream.Funder, $"funds stream '{stream.Id}'");
            RequireOrganisation(stream.PassThroughTo, $"receives stream '{stream.Id}' as a pass-through");
        }
        foreach (var partner in agreement.Partners)
        {
            RequireOrganisation(partner, "is a partner in the agreement");
        }
        foreach (var contribution in agreement.Contributions)
        {
            if (!HoldsStream(contribution.Stream))
            {
                throw new ArgumentException(
                    $"'{contribution.Partner}' contributes to funding stream '{contribution.Stream}', which pool '{id}' does not hold.", nameof(agreement));
            }
        }
    }

    public PoolId Id { get; }

    public string Name { get; }

    public FinancialYear Year { get; }

    public IReadOnlyList<Organisation> Organisations { get; }

    public IReadOnlyList<FundingStream> FundingStreams { get; }

    public Section75Agreement Agreement { get; }

    public bool HoldsStream(FundingStreamId id) => FundingStreams.Any(s => s.Id == id);

    public bool HasOrganisation(OrganisationId id) => Organisations.Any(o => o.Id == id);

    public FundingStream Stream(FundingStreamId id) =>
        FundingStreams.FirstOrDefault(s => s.Id == id)
        ?? throw new KeyNotFoundException($"Pool '{Id}' does not hold funding stream '{id}'.");

    public Organisation Organisation(OrganisationId id) =>
        Organisations.FirstOrDefault(o => o.Id == id)
        ?? throw new KeyNotFoundException($"Pool '{Id}' has no organisation '{id}'.");

    public override string ToString() => $"{Name} ({Id}) {Year}";

    private void RequireOrganisation(OrganisationId? id, string role)
    {
        if (id is not null && !HasOrganisation(id))
        {
            throw new ArgumentException($"'{id}' {role} but is not among pool '{Id}''s organisations.");
        }
    }
}
