using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Domain.Statements;
using NodaTime;

namespace Finance.Domain.Positions;

/// <summary>
/// Where a section 75 pool stands for its partners: what each put in, its share of spend and forecast outturn, the
/// projected over- or underspend, and each partner's share of it under the agreement, to the penny. Pass-through
/// grants are shown apart and left out of everything else.
/// </summary>
public sealed record PoolPosition(
    PoolId Pool,
    StatementPeriod Period,
    PositionSection Revenue,
    PositionSection Capital,
    PositionSection Total,
    IReadOnlyList<RiskPot> Pots,
    IReadOnlyList<PartnerPosition> Partners,
    IReadOnlyList<PassThroughPosition> PassThroughs,
    RiskShareRule RiskShareRule,
    UnderspendRule UnderspendRule)
{
    /// <summary>The projected overspend shared between partners (the sum of their shares).</summary>
    public Pence ProjectedOverspend => Pence.Sum(Pots.Select(p => p.Overspend));

    public Pence ProjectedUnderspend => Pence.Sum(Pots.Select(p => p.Underspend));

    /// <summary>Computes the position from forecast outturns, as the statement to <paramref name="month"/> as at <paramref name="asAt"/> has them.</summary>
    public static PoolPosition Compute(
        Pool pool, IReadOnlyList<BudgetLine> lines, IReadOnlyList<JournalEntry> entries, FinancialMonth month, Instant asAt, Instant? knownAt = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(month);
        BudgetStatement.CheckLines(pool, lines);
        if (month.Year != pool.Year)
        {
            throw new ArgumentException($"Pool '{pool.Id}' is for {pool.Year}; a position for {month} belongs to another year's pool.", nameof(month));
        }
        var ledger = LedgerSnapshot.Take(pool, entries, asAt, knownAt);
        var statement = BudgetStatement.Compute(pool, lines, ledger, new StatementPeriod(month, asAt, knownAt));
        return Compute(pool, lines, ledger, statement, r => r.ForecastOutturn);
    }

    internal static PoolPosition Compute(Pool pool, IReadOnlyList<BudgetLine> lines, LedgerSnapshot ledger, BudgetStatement statement, Func<StatementRow, Pence> outturnOf)
    {
        var sharing = new RiskSharing(pool, lines);
        var outcome = sharing.Share(statement, outturnOf);

        PositionSection Section(params FundingNature[] natures)
        {
            var rows = sharing.SharedRows(statement, natures).ToArray();
            return new PositionSection(sharing.Budget(statement, natures), Pence.Sum(rows.Select(r => r.YtdTotal)), Pence.Sum(rows.Select(outturnOf)));
        }

        var total = Section(FundingNature.Revenue, FundingNature.Capital);
        var allWeights = sharing.ContributionWeights([FundingNature.Revenue, FundingNature.Capital]);
        var spendShares = sharing.Split(total.SpendToDate, allWeights);
        var outturnShares = sharing.Split(total.ForecastOutturn, allWeights);
        var partners = pool.Agreement.Partners.Select((partner, i) =>
        {
            var contributions = Contributions(pool, ledger, partner, statement.Month.Number);
            return new PartnerPosition(
                partner,
                pool.Organisation(partner).Name,
                contributions,
                Pence.Sum(contributions.Select(c => c.Agreed)),
                Pence.Sum(contributions.Select(c => c.ContributedToDate)),
                spendShares[i],
                outturnShares[i],
                outcome.OverspendByPartner[i],
                outcome.ReturnedByPartner[i]);
        }).ToArray();

        var passThroughs = pool.FundingStreams.Where(s => s.IsPassThrough).Select(stream =>
        {
            var rows = statement.Rows.Where(r => r.FundingSource == stream.Id).ToArray();
            return new PassThroughPosition(
                stream.Id,
                stream.Name,
                stream.PassThroughTo!,
                pool.Organisation(stream.PassThroughTo!).Name,
                Pence.Sum(statement.Summary.Sources.Where(s => s.Stream == stream.Id).Select(s => s.Amount)),
                Pence.Sum(rows.Select(r => r.YtdTotal)),
                Pence.Sum(rows.Select(outturnOf)));
        }).ToArray();

        return new PoolPosition(
            pool.Id,
            statement.Period,
            Section(FundingNature.Revenue),
            Section(FundingNature.Capital),
            total,
            outcome.Pots,
            partners,
            passThroughs,
            pool.Agreement.RiskShare,
            pool.Agreement.Underspend);
    }

    private static PartnerContribution[] Contributions(Pool pool, LedgerSnapshot ledger, OrganisationId partner, int throughMonth)
    {
        var received = ledger.OfFigure(EntryKind.Contribution)
            .Where(i => i.Partner == partner && i.MonthNumber <= throughMonth)
            .GroupBy(i => i.Stream!)
            .ToDictionary(g => g.Key, g => Pence.Sum(g.Select(i => i.Amount)));
        var agreed = pool.Agreement.Contributions.Where(c => c.Partner == partner).ToDictionary(c => c.Stream, c => c.AnnualAmount);
        return pool.FundingStreams
            .Where(s => agreed.ContainsKey(s.Id) || received.ContainsKey(s.Id))
            .Select(s => new PartnerContribution(s.Id, s.Name, s.Nature, s.IsPassThrough, agreed.GetValueOrDefault(s.Id), received.GetValueOrDefault(s.Id)))
            .ToArray();
    }
}
