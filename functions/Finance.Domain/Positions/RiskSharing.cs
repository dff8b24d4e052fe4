using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Domain.Statements;

namespace Finance.Domain.Positions;

/// <summary>
/// Applies the agreement's risk-share and underspend rules to a statement. Shared by the in-year pool position
/// (on forecast outturn) and the year-end settlement (on the year's actual outturn), so both split money the same way.
/// Every split is by largest remainder, so shares add up to the penny; when a rule has nothing to weigh by (no
/// contributions of that nature, no overspent schemes) the host partner bears or receives the whole amount.
/// </summary>
internal sealed class RiskSharing
{
    private readonly Pool _pool;
    private readonly IReadOnlyList<OrganisationId> _partners;
    private readonly Dictionary<LineId, BudgetLine> _lines;

    public RiskSharing(Pool pool, IReadOnlyList<BudgetLine> lines)
    {
        _pool = pool;
        _partners = pool.Agreement.Partners;
        _lines = lines.ToDictionary(l => l.Id);
    }

    public sealed record Outcome(IReadOnlyList<RiskPot> Pots, IReadOnlyList<Pence> OverspendByPartner, IReadOnlyList<Pence> ReturnedByPartner);

    /// <param name="outturnOf">The outturn a row counts: its forecast outturn in year, its YTD total at year end.</param>
    public Outcome Share(BudgetStatement statement, Func<StatementRow, Pence> outturnOf)
    {
        var agreement = _pool.Agreement;
        FundingNature[][] pots = agreement.RiskShare is RiskShareRule.ProportionalToContributions { IncludeCapital: false }
            ? [[FundingNature.Revenue], [FundingNature.Capital]]
            : [[FundingNature.Revenue, FundingNature.Capital]];
        var overspend = new Pence[_partners.Count];
        var returned = new Pence[_partners.Count];
        var results = new List<RiskPot>();
        foreach (var natures in pots)
        {
            var budget = Budget(statement, natures);
            var rows = SharedRows(statement, natures).ToArray();
            var outturn = Pence.Sum(rows.Select(outturnOf));
            var variance = outturn - budget;
            var over = Pence.Max(variance, Pence.Zero);
            var under = Pence.Max(-variance, Pence.Zero);
            var toReturn = agreement.Underspend == UnderspendRule.ReturnInProportion ? under : Pence.Zero;
            Add(overspend, Split(over, OverspendWeights(natures, rows, outturnOf)));
            Add(returned, Split(toReturn, ContributionWeights(natures)));
            var name = natures.Length == 2 ? "whole pool" : natures[0] == FundingNature.Revenue ? "revenue" : "capital";
            results.Add(new RiskPot(name, natures, budget, outturn, variance, over, under, toReturn, under - toReturn));
        }
        return new Outcome(results, overspend, returned);
    }

    /// <summary>The pool's non-pass-through budget sources of the given natures.</summary>
    public Pence Budget(BudgetStatement statement, IReadOnlyList<FundingNature> natures) =>
        Pence.Sum(statement.Summary.Sources.Where(s => IsShared(s.Stream, natures)).Select(s => s.Amount));

    public IEnumerable<StatementRow> SharedRows(BudgetStatement statement, IReadOnlyList<FundingNature> natures) =>
        statement.Rows.Where(r => IsShared(r.FundingSource, natures));

    /// <summary>Splits an amount by the partners' agreed contributions of the given natures (pass-through excluded).</summary>
    public IReadOnlyList<Pence> Split(Pence amount, long[] weights) =>
        amount.IsZero ? new Pence[_partners.Count]
        : weights.Any(w => w > 0) ? Apportion.ByWeights(amount, weights)
        : _partners.Select(p => p == _pool.Agreement.Host ? amount : Pence.Zero).ToArray();

    public long[] ContributionWeights(IReadOnlyList<FundingNature> natures) =>
        _partners.Select(p => Pence.Sum(_pool.Agreement.Contributions
            .Where(c => c.Partner == p && IsShared(c.Stream, natures))
            .Select(c => c.AnnualAmount)).Value).ToArray();

    private long[] OverspendWeights(IReadOnlyList<FundingNature> natures, IReadOnlyList<StatementRow> rows, Func<StatementRow, Pence> outturnOf) =>
        _pool.Agreement.RiskShare switch
        {
            RiskShareRule.ProportionalToContributions => ContributionWeights(natures),
            RiskShareRule.FixedPercentages fixedShares => _partners
                .Select(p => fixedShares.Shares.FirstOrDefault(s => s.Partner == p)?.BasisPoints ?? 0).ToArray(),
            RiskShareRule.HostBearsAll => _partners.Select(p => p == _pool.Agreement.Host ? 1L : 0L).ToArray(),
            RiskShareRule.CommissionerBearsOwnSchemes => _partners
                .Select(p => Pence.Sum(rows.Where(r => CommissionerOf(r) == p).Select(r => Pence.Max(outturnOf(r) - r.AnnualBudget, Pence.Zero))).Value)
                .ToArray(),
            _ => throw new InvalidOperationException($"Unknown risk-share rule {_pool.Agreement.RiskShare}."),
        };

    private OrganisationId CommissionerOf(StatementRow row)
    {
        var line = _lines[row.Line];
        var funder = _pool.Stream(line.FundingSource).Funder;
        return line.Commissioner
            ?? (funder is not null && _partners.Contains(funder) ? funder : _pool.Agreement.Host);
    }

    private bool IsShared(FundingStreamId streamId, IReadOnlyList<FundingNature> natures)
    {
        var stream = _pool.Stream(streamId);
        return !stream.IsPassThrough && natures.Contains(stream.Nature);
    }

    private static void Add(Pence[] totals, IReadOnlyList<Pence> parts)
    {
        for (var i = 0; i < totals.Length; i++)
        {
            totals[i] += parts[i];
        }
    }
}
