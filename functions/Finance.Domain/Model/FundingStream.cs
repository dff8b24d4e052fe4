using System.Diagnostics.CodeAnalysis;
using NodaTime;

namespace Finance.Domain.Model;

public enum FundingStreamKind
{
    BcfNhsMinimumContribution,
    /// <summary>Improved Better Care Fund; the winter pressures grant was folded into it from 2020/21.</summary>
    ImprovedBetterCareFund,
    DisabledFacilitiesGrant,
    WinterPressures,
    DischargeFunding,
    AdditionalLocalAuthorityContribution,
    AdditionalNhsContribution,
    PlaceAllocation,
    CarriedForwardBalance,
    Other,
}

public enum FundingNature
{
    Revenue,
    Capital,
}

/// <summary>
/// A source of money a pool holds. A Disabled Facilities Grant passed on to a district council (two-tier areas) is a
/// pass-through: it is shown apart in the pool position and shares in no over- or underspend.
/// </summary>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "A funding stream is the domain's term for a source of money, not an I/O stream.")]
public sealed class FundingStream
{
    public FundingStream(
        FundingStreamId id,
        FundingStreamKind kind,
        string name,
        FundingNature nature,
        OrganisationId? funder = null,
        string? conditions = null,
        LocalDate? spendBy = null,
        OrganisationId? passThroughTo = null)
    {
        Id = Require.NotNull(id, "funding stream id");
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, $"{kind} is not a kind of funding stream.");
        }
        if (!Enum.IsDefined(nature))
        {
            throw new ArgumentOutOfRangeException(nameof(nature), nature, $"{nature} is neither revenue nor capital.");
        }
        if (kind == FundingStreamKind.DisabledFacilitiesGrant && nature != FundingNature.Capital)
        {
            throw new ArgumentException($"Funding stream '{id}' is a Disabled Facilities Grant, which is capital, not {nature.ToString().ToLowerInvariant()}.", nameof(nature));
        }
        if (passThroughTo is not null && kind != FundingStreamKind.DisabledFacilitiesGrant)
        {
            throw new ArgumentException(
                $"Funding stream '{id}' is {char.ToLowerInvariant(kind.ToString()[0])}{kind.ToString()[1..]}; only a Disabled Facilities Grant passes through to a district council.",
                nameof(passThroughTo));
        }
        if (passThroughTo is not null && passThroughTo == funder)
        {
            throw new ArgumentException($"Funding stream '{id}' cannot pass through to '{passThroughTo}', the organisation that funds it.", nameof(passThroughTo));
        }
        Kind = kind;
        Name = Require.Text(name, "funding stream name");
        Nature = nature;
        Funder = funder;
        Conditions = Require.OptionalText(conditions, "funding conditions");
        SpendBy = spendBy;
        PassThroughTo = passThroughTo;
    }

    public FundingStreamId Id { get; }

    public FundingStreamKind Kind { get; }

    public string Name { get; }

    public FundingNature Nature { get; }

    /// <summary>Who provides the money; none for a carried-forward balance.</summary>
    public OrganisationId? Funder { get; }

    /// <summary>Spending conditions such as a ring-fence, as the grant letter states them.</summary>
    public string? Conditions { get; }

    public LocalDate? SpendBy { get; }

    public OrganisationId? PassThroughTo { get; }

    public bool IsPassThrough => PassThroughTo is not null;

    public override string ToString() => $"{Name} ({Id})";
}
