namespace Finance.Domain.Principals;

/// <summary>What access decisions need to know about a pool: who is party to it and who manages it.</summary>
/// <param name="HostOrganisation">The organisation that hosts the pool and keeps its accounts.</param>
/// <param name="PartnerOrganisations">The other section 75 partners.</param>
/// <param name="Managers">Principal ids of the pool's managers.</param>
public sealed record PoolParties(string PoolId, string HostOrganisation, IReadOnlyList<string> PartnerOrganisations, IReadOnlyList<string> Managers)
{
    public IEnumerable<string> Organisations => PartnerOrganisations.Prepend(HostOrganisation);
}
