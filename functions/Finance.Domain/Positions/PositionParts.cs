using Finance.Domain.Model;
using Finance.Domain.Money;

namespace Finance.Domain.Positions;

/// <summary>Budget, spend and outturn for part of a pool. Projected variance = outturn − budget: above zero is an overspend.</summary>
public sealed record PositionSection(Pence Budget, Pence SpendToDate, Pence ForecastOutturn)
{
    public Pence ProjectedVariance => ForecastOutturn - Budget;
}

/// <summary>
/// One sharing of an over- or underspend under the agreement. A pool has one, or two (revenue and capital) when its
/// rule is proportional to contributions without capital.
/// </summary>
/// <param name="Variance">Outturn − budget for the natures shared: above zero an overspend, below zero an underspend.</param>
/// <param name="UnderspendRetained">Underspend kept in the pool: carried forward or held as contingency, per the agreement.</param>
public sealed record RiskPot(
    string Name,
    IReadOnlyList<FundingNature> Natures,
    Pence Budget,
    Pence Outturn,
    Pence Variance,
    Pence Overspend,
    Pence Underspend,
    Pence UnderspendReturned,
    Pence UnderspendRetained);

/// <summary>What a partner agreed to put in from a stream, and what the ledger shows it has put in to date.</summary>
public sealed record PartnerContribution(FundingStreamId Stream, string StreamName, FundingNature Nature, bool PassThrough, Pence Agreed, Pence ContributedToDate);

/// <summary>
/// A partner's position. Shares of spend and outturn are in proportion to its agreed contributions (the pool's money is
/// theirs in that proportion); its share of an overspend follows the agreement's risk-share rule, and of an underspend
/// the underspend rule (zero unless the underspend is returned).
/// </summary>
public sealed record PartnerPosition(
    OrganisationId Partner,
    string Name,
    IReadOnlyList<PartnerContribution> Contributions,
    Pence Agreed,
    Pence ContributedToDate,
    Pence ShareOfSpendToDate,
    Pence ShareOfForecastOutturn,
    Pence ShareOfOverspend,
    Pence ShareOfUnderspendReturned);

/// <summary>A Disabled Facilities Grant passed on to a district council: shown apart, sharing in no over- or underspend.</summary>
public sealed record PassThroughPosition(
    FundingStreamId Stream,
    string Name,
    OrganisationId PassedTo,
    string PassedToName,
    Pence Received,
    Pence SpendToDate,
    Pence ForecastOutturn);
