using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Domain.Positions;
using Finance.Domain.Statements;
using NodaTime;

namespace Finance.Domain.YearEnd;

/// <summary>What one partner settles at year end: positive <see cref="Net"/> means it pays the pool.</summary>
public sealed record PartnerSettlement(OrganisationId Partner, string Name, Pence OverspendPayable, Pence UnderspendReturned)
{
    public Pence Net => OverspendPayable - UnderspendReturned;
}

/// <summary>
/// The year-end close of a pool: the outturn (month 12 as at the close), the risk-share settlement between partners,
/// and the carry-forward entries that open next year. Every penny of budget less outturn is accounted for:
/// carried forward + returned to partners − overspend paid by partners (<see cref="Unaccounted"/> is always zero).
/// </summary>
public sealed record YearEndResult(
    PoolId Pool,
    FinancialYear Year,
    BudgetStatement FinalStatement,
    PoolPosition Outturn,
    IReadOnlyList<PartnerSettlement> Settlement,
    IReadOnlyList<JournalEntry> CarryForwardEntries)
{
    /// <summary>All budget sources, pass-through included.</summary>
    public Pence TotalBudget => FinalStatement.Summary.TotalBudget;

    /// <summary>Actuals and month-12 accruals over all lines: what the year actually cost.</summary>
    public Pence TotalOutturn => FinalStatement.Totals.YtdTotal;

    public Pence CarriedForward => Pence.Sum(CarryForwardEntries.Select(e => e.Amount));

    public Pence ReturnedToPartners => Pence.Sum(Settlement.Select(s => s.UnderspendReturned));

    public Pence PaidByPartners => Pence.Sum(Settlement.Select(s => s.OverspendPayable));

    /// <summary>Budget − outturn − (carried forward + returned − paid by partners). Zero, by construction; asserted in tests.</summary>
    public Pence Unaccounted => TotalBudget - TotalOutturn - (CarriedForward + ReturnedToPartners - PaidByPartners);
}

/// <summary>Closes a pool's year. Pure: storage posts the carry-forward entries into next year and records the settlement.</summary>
public static class YearEndClose
{
    /// <summary>
    /// Settles the year on its actual outturn (YTD Total at month 12, as at <paramref name="closedAt"/>). Overspends are
    /// shared by the agreement's risk-share rule. Underspends are returned in proportion, or carried into next year's
    /// carried-forward balance stream (for "carry forward" and "keep as contingency" alike; the memo says which).
    /// A pass-through grant's unspent balance is carried forward into the same stream, untouched by any rule.
    /// </summary>
    /// <exception cref="InvalidOperationException">An underspend is to be kept but the pool holds no carried-forward balance stream.</exception>
    public static YearEndResult Compute(Pool pool, IReadOnlyList<BudgetLine> lines, IReadOnlyList<JournalEntry> entries, Instant closedAt, string author)
    {
        ArgumentNullException.ThrowIfNull(pool);
        BudgetStatement.CheckLines(pool, lines);
        var year = pool.Year;
        var ledger = LedgerSnapshot.Take(pool, entries, closedAt);
        var statement = BudgetStatement.Compute(pool, lines, ledger, new StatementPeriod(year.Month(12), closedAt));
        var outturn = PoolPosition.Compute(pool, lines, ledger, statement, r => r.YtdTotal);

        var settlement = outturn.Partners
            .Select(p => new PartnerSettlement(p.Partner, p.Name, p.ShareOfOverspend, p.ShareOfUnderspendReturned))
            .ToArray();

        var nextYearOpening = year.Next.Month(1);
        var carryForward = new List<JournalEntry>();
        JournalEntry CarryForwardIn(string idSuffix, FundingStreamId stream, Pence amount, string memo) => new(
            new EntryId($"year-end-{year.StartYear}-{year.EndYear % 100:00}-{idSuffix}"),
            pool.Id, nextYearOpening, EntryKind.CarryForwardIn, amount, author, closedAt, EntrySource.YearEnd,
            stream: stream, reference: $"Year end {year}", memo: memo);

        foreach (var pot in outturn.Pots.Where(p => p.UnderspendRetained.IsPositive))
        {
            var stream = CarryForwardStream(pool, pot);
            var what = pool.Agreement.Underspend == UnderspendRule.KeepAsContingency ? "kept as contingency" : "carried forward";
            carryForward.Add(CarryForwardIn(pot.Name.Replace(' ', '-'), stream.Id, pot.UnderspendRetained, $"{year} {pot.Name} underspend {what}"));
        }
        var passThroughIndex = 0;
        foreach (var passThrough in outturn.PassThroughs)
        {
            passThroughIndex++;
            var balance = passThrough.Received - passThrough.SpendToDate;
            if (!balance.IsZero)
            {
                carryForward.Add(CarryForwardIn($"pass-through-{passThroughIndex}", passThrough.Stream, balance,
                    $"{year} {passThrough.Name} balance for {passThrough.PassedToName} carried forward"));
            }
        }
        return new YearEndResult(pool.Id, year, statement, outturn, settlement, carryForward);
    }

    private static FundingStream CarryForwardStream(Pool pool, RiskPot pot)
    {
        // A revenue or capital underspend keeps its nature; a whole-pool underspend goes to revenue if the pool can hold it there.
        var candidates = pool.FundingStreams
            .Where(s => s.Kind == FundingStreamKind.CarriedForwardBalance && pot.Natures.Contains(s.Nature))
            .OrderBy(s => s.Nature)
            .ToArray();
        var natures = string.Join(" or ", pot.Natures.Select(n => n.ToString().ToLowerInvariant()));
        return candidates.FirstOrDefault()
            ?? throw new InvalidOperationException(
                $"Pool '{pool.Id}' holds no {natures} carried-forward balance stream to carry its {pot.Name} underspend of {pot.UnderspendRetained} into; add one before closing {pool.Year}.");
    }
}
