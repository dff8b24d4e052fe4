using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Domain.Reconciliation;
using Finance.Storage.Closes;
using Finance.Storage.Ledger;

namespace Finance.Functions.Closes;

/// <summary>
/// The reconciliation check against partners' control totals: the month's actuals and prior-year invoices on the lines
/// an organisation hosts must equal what its own ledger shows for the pool's cost centre.
/// </summary>
public static class ControlTotals
{
    public const string ControlTotalDiffers = "control-total-differs";

    /// <summary>A warning for each control total that differs from the pool's figures for the organisation's lines.</summary>
    public static IEnumerable<Finding> Check(LedgerSetup setup, IReadOnlyList<JournalEntry> entries, FinancialMonth month, IReadOnlyList<ControlTotal> totals)
    {
        var byId = entries.GroupBy(e => e.Id).ToDictionary(g => g.Key, g => g.First());
        // The figure an entry moves: its own kind, the kind it adjusts, or (for a reversal) that of the entry it reverses.
        EntryKind? Figure(JournalEntry e) => e.Kind switch
        {
            EntryKind.Reversal => e.ReversesEntryId is { } id && byId.TryGetValue(id, out var reversed) ? Figure(reversed) : null,
            EntryKind.Adjustment => e.AdjustsKind,
            _ => e.Kind,
        };
        foreach (var total in totals)
        {
            var lines = setup.Lines.Where(l => l.Host.Value == total.Organisation).Select(l => l.Id).ToHashSet();
            var pool = Pence.Sum(entries
                .Where(e => e.Month == month && e.Line is { } line && lines.Contains(line) && Figure(e) is EntryKind.Actual or EntryKind.PriorYearInvoice)
                .Select(e => e.Amount));
            var theirs = new Pence(total.AmountPence);
            if (pool != theirs)
            {
                yield return new Finding(ControlTotalDiffers, Severity.Warning,
                    $"{total.Organisation}'s ledger shows {theirs} for {month}{(total.CostCentre is null ? "" : $" (cost centre {total.CostCentre})")}, "
                    + $"but the pool has {pool} of actuals on the lines it hosts: a difference of {pool - theirs}.",
                    Partner: new OrganisationId(total.Organisation), Month: month);
            }
        }
    }
}
