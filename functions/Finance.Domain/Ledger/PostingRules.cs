using Finance.Domain.Calendar;
using Finance.Domain.Model;
using NodaTime;

namespace Finance.Domain.Ledger;

/// <summary>
/// Whether a new entry may join a pool's ledger. Storage calls this before it writes; a non-empty answer means refuse,
/// and each problem is a sentence a finance lead can act on.
/// </summary>
public static class PostingRules
{
    public static IReadOnlyList<string> Check(
        Pool pool,
        IReadOnlyList<BudgetLine> lines,
        IReadOnlyList<JournalEntry> existing,
        JournalEntry entry,
        IReadOnlyCollection<FinancialMonth>? closedMonths = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(entry);
        var problems = new List<string>();
        if (entry.Pool != pool.Id)
        {
            problems.Add($"Entry '{entry.Id}' is for pool '{entry.Pool}', not '{pool.Id}'.");
            return problems;
        }
        if (entry.Year != pool.Year)
        {
            problems.Add($"Entry '{entry.Id}' is for {entry.Year}, but pool '{pool.Id}' is open for {pool.Year}.");
        }
        if (existing.Any(e => e.Id == entry.Id))
        {
            problems.Add($"There is already an entry '{entry.Id}' in pool '{pool.Id}'.");
        }
        if (closedMonths?.Contains(entry.Month) == true)
        {
            problems.Add($"{entry.Month} ({entry.Month.Name}) is closed; post the correction in an open month and name the entry it corrects.");
        }

        var reversed = entry.ReversesEntryId is { } reversedId ? existing.FirstOrDefault(e => e.Id == reversedId) : null;
        if (entry.Kind == EntryKind.Reversal)
        {
            CheckReversal(entry, reversed, existing, problems);
        }

        var target = reversed ?? entry;
        if (target.Line is { } lineId && lines.FirstOrDefault(l => l.Id == lineId && l.Pool == pool.Id) is null)
        {
            problems.Add($"Pool '{pool.Id}' has no line '{lineId}'.");
        }
        if (target.Stream is { } streamId && !pool.HoldsStream(streamId))
        {
            problems.Add($"Pool '{pool.Id}' does not hold funding stream '{streamId}'.");
        }
        if (target.Partner is { } partner && !pool.Agreement.Partners.Contains(partner))
        {
            problems.Add($"'{partner}' is not a partner in pool '{pool.Id}''s agreement.");
        }

        CheckLineBudgetStaysPositive(pool, existing, entry, reversed, problems);
        return problems;
    }

    private static void CheckReversal(JournalEntry entry, JournalEntry? reversed, IReadOnlyList<JournalEntry> existing, List<string> problems)
    {
        if (reversed is null)
        {
            problems.Add($"Entry '{entry.Id}' reverses '{entry.ReversesEntryId}', which is not in the ledger.");
            return;
        }
        if (reversed.Kind == EntryKind.Reversal)
        {
            problems.Add($"Entry '{reversed.Id}' is itself a reversal and cannot be reversed; post the original entry again instead.");
        }
        if (reversed.Kind == EntryKind.Note)
        {
            problems.Add($"Entry '{reversed.Id}' is a note: {EntryKinds.NoteIsNotReversed}");
        }
        if (existing.FirstOrDefault(e => e.Kind == EntryKind.Reversal && e.ReversesEntryId == reversed.Id) is { } earlier)
        {
            problems.Add($"Entry '{reversed.Id}' was already reversed by '{earlier.Id}'.");
        }
        if (entry.Amount != -reversed.Amount)
        {
            problems.Add($"A reversal of '{reversed.Id}' ({reversed.Amount}) must carry {-reversed.Amount}, not {entry.Amount}.");
        }
        if (entry.Line != reversed.Line || entry.Stream != reversed.Stream || entry.Partner != reversed.Partner)
        {
            problems.Add($"A reversal of '{reversed.Id}' must name the same line, funding stream and partner as it does.");
        }
        if (entry.Month < reversed.Month)
        {
            problems.Add($"A reversal of '{reversed.Id}' (for {reversed.Month}) cannot be for an earlier month ({entry.Month}).");
        }
    }

    private static void CheckLineBudgetStaysPositive(Pool pool, IReadOnlyList<JournalEntry> existing, JournalEntry entry, JournalEntry? reversed, List<string> problems)
    {
        var figure = entry.Kind switch
        {
            EntryKind.Reversal => reversed?.AdjustsKind ?? reversed?.Kind,
            EntryKind.Adjustment => entry.AdjustsKind,
            _ => entry.Kind,
        };
        if (figure is not (EntryKind.Commitment or EntryKind.CommitmentRelease) || (reversed ?? entry).Line is not { } line)
        {
            return;
        }
        var effect = figure == EntryKind.Commitment ? entry.Amount : -entry.Amount;
        if (!effect.IsNegative)
        {
            return;
        }
        var sameYear = existing.Where(e => e.Pool == pool.Id && e.Year == pool.Year).ToArray();
        var budget = LedgerSnapshot.Take(pool, sameYear, Instant.MaxValue).AnnualBudget(line);
        if ((budget + effect).IsNegative)
        {
            problems.Add($"Entry '{entry.Id}' would take line '{line}''s annual budget from {budget} to {budget + effect}; a budget cannot be negative.");
        }
    }
}
