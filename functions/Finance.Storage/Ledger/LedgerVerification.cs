using System.Globalization;
using System.Text;
using Azure.Data.Tables;
using Finance.Domain.Ledger;
using Finance.Domain.Money;
using Finance.Domain.Statements;
using NodaTime;

namespace Finance.Storage.Ledger;

/// <summary>What <see cref="LedgerRepository.VerifyAsync"/> found: no problems means every invariant held.</summary>
public sealed record LedgerVerification(LedgerPartition Partition, LedgerHead Head, int EntryCount, IReadOnlyList<string> Problems)
{
    /// <summary>Problems listed at most; more are summarised in one line.</summary>
    public const int MaxProblemsListed = 100;

    public bool IsClean => Problems.Count == 0;

    public override string ToString() =>
        IsClean ? $"{Partition}: {EntryCount} entries, clean" : $"{Partition}: {Problems.Count} problems: {string.Join(" | ", Problems)}";

    internal static LedgerVerification Check(LedgerPartition partition, IReadOnlyList<TableEntity> rows, LedgerSetup? setup)
    {
        var problems = new List<string>();
        var head = new LedgerHead(partition);
        var stored = new List<Balance>();
        var entries = new List<StoredEntry>();
        var claims = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        var marks = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        var idempotency = new List<TableEntity>();
        foreach (var row in rows)
        {
            var key = row.RowKey;
            try
            {
                if (key == LedgerRows.Head)
                {
                    head = LedgerHead.FromEntity(partition, row);
                }
                else if (key.StartsWith(LedgerRows.BalancePrefix, StringComparison.Ordinal))
                {
                    stored.Add(Balance.FromEntity(row));
                }
                else if (key.StartsWith(LedgerRows.JournalPrefix, StringComparison.Ordinal))
                {
                    entries.AddRange(JournalRows.FromJournalEntity(partition, row));
                }
                else if (key.StartsWith(LedgerRows.EntryIdPrefix, StringComparison.Ordinal))
                {
                    claims[key[LedgerRows.EntryIdPrefix.Length..]] = row;
                }
                else if (key.StartsWith(LedgerRows.ReversedPrefix, StringComparison.Ordinal))
                {
                    marks[key[LedgerRows.ReversedPrefix.Length..]] = row;
                }
                else if (key.StartsWith(LedgerRows.IdempotencyPrefix, StringComparison.Ordinal))
                {
                    idempotency.Add(row);
                }
                else
                {
                    problems.Add($"Row '{key}' is not a kind of row a ledger partition holds.");
                }
            }
            catch (LedgerInvariantException e)
            {
                problems.Add(e.Message);
            }
        }
        entries.Sort((a, b) => a.Seq.CompareTo(b.Seq));

        problems.AddRange(CheckJournal(entries, checkHashes: true));
        CheckHead(head, entries, stored, problems);
        var folded = Fold(entries, problems);
        CheckBalances(stored, folded, problems);
        CheckClaims(entries, claims, marks, problems);
        CheckIdempotency(partition, entries, idempotency, problems);
        if (setup is not null && problems.Count == 0)
        {
            CheckStatements(setup, head, stored, entries, problems);
        }
        var listed = problems.Count <= MaxProblemsListed
            ? problems
            : [.. problems.Take(MaxProblemsListed), $"…and {problems.Count - MaxProblemsListed} more."];
        return new LedgerVerification(partition, head, entries.Count, listed);
    }

    /// <summary>Entries in sequence order: numbered 1, 2, 3… without gaps, and every posting whole, with its batch totals.</summary>
    internal static IEnumerable<string> CheckJournal(IReadOnlyList<StoredEntry> entries, bool checkHashes)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Seq != i + 1)
            {
                yield return $"Entry '{entries[i].Entry.Id}' has seq {entries[i].Seq} where {i + 1} was expected: the sequence has a gap or a repeat.";
                yield break;
            }
        }
        long expectedPosting = 1;
        foreach (var posting in Runs(entries))
        {
            var first = posting[0];
            if (first.Posting != expectedPosting)
            {
                yield return $"Posting {first.Posting} (from seq {first.Seq}) follows posting {expectedPosting - 1}.";
            }
            expectedPosting = first.Posting + 1;
            var net = Pence.Sum(posting.Select(e => e.Entry.Amount));
            if (posting.Any(e => e.PostingEntryCount != posting.Count || e.PostingNet != net || e.PostingHash != first.PostingHash))
            {
                yield return $"Posting {first.Posting} holds {posting.Count} entries netting {net}, but its rows say {first.PostingEntryCount} netting {first.PostingNet}: it is not whole.";
            }
            else if (checkHashes && JournalRows.HashOf(posting.Select(e => e.Entry).ToArray()) != first.PostingHash)
            {
                yield return $"Posting {first.Posting}'s entries do not hash to the hash it was written with: an entry changed after it was posted.";
            }
        }
    }

    private static IEnumerable<List<StoredEntry>> Runs(IReadOnlyList<StoredEntry> entries)
    {
        var run = new List<StoredEntry>();
        foreach (var entry in entries)
        {
            if (run.Count > 0 && run[0].Posting != entry.Posting)
            {
                yield return run;
                run = [];
            }
            run.Add(entry);
        }
        if (run.Count > 0)
        {
            yield return run;
        }
    }

    private static void CheckHead(LedgerHead head, List<StoredEntry> entries, List<Balance> stored, List<string> problems)
    {
        var net = Pence.Sum(entries.Select(e => e.Entry.Amount));
        var postings = entries.Count == 0 ? 0 : entries[^1].Posting;
        var latest = entries.Count == 0 ? (Instant?)null : entries.Max(e => e.Entry.PostedAt);
        if (head.Seq != entries.Count || head.Postings != postings || head.Net != net || head.LatestPostedAt != latest)
        {
            problems.Add($"The head says {head.Seq} entries in {head.Postings} postings netting {head.Net}, latest {head.LatestPostedAt}; " +
                $"the journal holds {entries.Count} in {postings} netting {net}, latest {latest}.");
        }
        var versions = stored.Sum(b => b.Version);
        if (head.BalanceVersions != versions)
        {
            problems.Add($"The head counts {head.BalanceVersions} balance row versions; the rows add up to {versions}.");
        }
    }

    private static Dictionary<BalanceTarget, Balance> Fold(List<StoredEntry> entries, List<string> problems)
    {
        var folded = new Dictionary<BalanceTarget, Balance>();
        var byId = new Dictionary<EntryId, JournalEntry>();
        foreach (var stored in entries)
        {
            var entry = stored.Entry;
            try
            {
                var reversed = entry.ReversesEntryId is { } target ? byId.GetValueOrDefault(target) : null;
                if (entry.Kind == EntryKind.Reversal && reversed is null)
                {
                    problems.Add($"Reversal '{entry.Id}' (seq {stored.Seq}) undoes '{entry.ReversesEntryId}', which no earlier entry is.");
                    continue;
                }
                if (Balance.FigureOf(entry, reversed) != stored.Figure)
                {
                    problems.Add($"Entry '{entry.Id}' is stored as moving {stored.Figure} but moves {Balance.FigureOf(entry, reversed)}.");
                }
                var key = BalanceTarget.Of(entry);
                if (!folded.TryGetValue(key, out var balance))
                {
                    folded[key] = balance = new Balance(key);
                }
                balance.Apply(entry, reversed, stored.Seq);
                if (!byId.TryAdd(entry.Id, entry))
                {
                    problems.Add($"Entry id '{entry.Id}' is used twice (seq {stored.Seq}).");
                }
            }
            catch (LedgerException e)
            {
                problems.Add($"Entry '{entry.Id}' (seq {stored.Seq}) cannot be folded: {e.Message}");
            }
        }
        if (folded.Values.FirstOrDefault(b => b.Budget.IsNegative) is { } negative)
        {
            problems.Add($"{negative.Target} has a negative budget ({negative.Budget}).");
        }
        return folded;
    }

    private static void CheckBalances(List<Balance> stored, Dictionary<BalanceTarget, Balance> folded, List<string> problems)
    {
        foreach (var row in stored)
        {
            if (!folded.TryGetValue(row.Target, out var expected))
            {
                problems.Add($"Balance row {row.Target} exists, but no entry moves it.");
                continue;
            }
            problems.AddRange(row.Differences(expected));
            if (row.Version < 1)
            {
                problems.Add($"Balance row {row.Target} has version {row.Version}.");
            }
        }
        foreach (var target in folded.Keys.Except(stored.Select(b => b.Target)))
        {
            problems.Add($"Entries move {target}, but there is no balance row for it.");
        }
    }

    private static void CheckClaims(List<StoredEntry> entries, Dictionary<string, TableEntity> claims, Dictionary<string, TableEntity> marks, List<string> problems)
    {
        foreach (var stored in entries)
        {
            var id = stored.Entry.Id.Value;
            if (!claims.Remove(id, out var claim))
            {
                problems.Add($"Entry '{id}' (seq {stored.Seq}) has no id claim.");
            }
            else if (claim.GetInt64("Seq") != stored.Seq || claim.GetInt64("Posting") != stored.Posting || claim.GetString("PostingHash") != stored.PostingHash)
            {
                problems.Add($"The id claim of '{id}' names seq {claim.GetInt64("Seq")}, posting {claim.GetInt64("Posting")}; the entry is seq {stored.Seq}, posting {stored.Posting}.");
            }
            else if ((claim.GetInt64("RowSeq") ?? stored.Seq) != stored.RowSeq)
            {
                problems.Add($"The id claim of '{id}' names the journal row of seq {claim.GetInt64("RowSeq")}; the entry is in the row of seq {stored.RowSeq}.");
            }
            if (stored.Entry.ReversesEntryId is { } target)
            {
                if (!marks.Remove(target.Value, out var mark))
                {
                    problems.Add($"Reversal '{id}' has no mark on '{target}'.");
                }
                else if (mark.GetString("ReversalId") != id || mark.GetInt64("ReversalSeq") != stored.Seq)
                {
                    problems.Add($"The reversal mark on '{target}' names '{mark.GetString("ReversalId")}', not '{id}'.");
                }
            }
        }
        problems.AddRange(claims.Keys.Select(id => $"Id '{id}' is claimed, but no entry has it."));
        problems.AddRange(marks.Keys.Select(id => $"'{id}' is marked reversed, but no reversal names it."));
    }

    private static void CheckIdempotency(LedgerPartition partition, List<StoredEntry> entries, List<TableEntity> rows, List<string> problems)
    {
        var postings = Runs(entries).ToDictionary(r => r[0].Posting);
        foreach (var row in rows)
        {
            IdempotencyRecord record;
            try
            {
                record = IdempotencyRows.FromEntity(partition, row);
            }
            catch (LedgerInvariantException e)
            {
                problems.Add(e.Message);
                continue;
            }
            var receipt = record.Receipt;
            if (IdempotencyRows.RowKey(record.Key, record.Principal) != row.RowKey)
            {
                problems.Add($"Idempotency row '{row.RowKey}' holds key '{record.Key}', which belongs under another row key.");
            }
            if (!postings.TryGetValue(receipt.Posting, out var posting))
            {
                problems.Add($"Idempotency key '{record.Key}' names posting {receipt.Posting}, which is not in the journal.");
            }
            else if (posting[0].Seq != receipt.FirstSeq || receipt.Net != Pence.Sum(posting.Select(e => e.Entry.Amount))
                || !posting.Select(e => e.Entry.Id).SequenceEqual(receipt.EntryIds))
            {
                problems.Add($"Idempotency key '{record.Key}' describes posting {receipt.Posting} otherwise than the journal holds it.");
            }
        }
    }

    /// <summary>The statement from the balance rows must be the statement from the entries, for every month.</summary>
    private static void CheckStatements(LedgerSetup setup, LedgerHead head, List<Balance> stored, List<StoredEntry> entries, List<string> problems)
    {
        var balances = new LedgerBalances(head, stored);
        var journal = entries.Select(e => e.Entry).ToArray();
        var asAt = head.LatestPostedAt ?? Instant.FromUtc(setup.Pool.Year.StartYear, 4, 1, 0, 0);
        foreach (var month in setup.Pool.Year.Months)
        {
            try
            {
                var fromEntries = BudgetStatement.Compute(setup.Pool, setup.Lines, journal, month, asAt);
                var fromBalances = balances.Statement(setup, month, asAt);
                if (Describe(fromEntries) != Describe(fromBalances))
                {
                    problems.Add($"The statement to {month} from the balance rows differs from the one from the entries.");
                }
                if (fromEntries.CheckIdentities() is { Count: > 0 } failures)
                {
                    problems.Add($"The statement to {month} breaks {string.Join(", ", failures.Select(f => f.Identity))}.");
                }
            }
            catch (LedgerException e)
            {
                problems.Add($"The statement to {month}: {e.Message}");
            }
        }
    }

    /// <summary>Every figure of a statement, in pence, as text: two statements are the same when their descriptions are.</summary>
    internal static string Describe(BudgetStatement statement)
    {
        var text = new StringBuilder();
        var table = statement.ToTable(withPence: true);
        text.AppendJoin('|', table.Headings).Append('\n');
        foreach (var row in table.Rows)
        {
            text.AppendJoin('|', row).Append('\n');
        }
        text.AppendJoin('|', table.Totals).Append('\n');
        foreach (var row in statement.Rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"{row.Line}:{row.ForecastIsPosted}\n");
        }
        var summary = statement.Summary;
        foreach (var source in summary.Sources)
        {
            text.Append(CultureInfo.InvariantCulture, $"source {source.Stream}|{source.Name}|{source.Funder}|{source.CarriedForward}|{source.Amount.Value}\n");
        }
        foreach (var item in summary.Committed)
        {
            text.Append(CultureInfo.InvariantCulture, $"committed {item.Line}|{item.Title}|{item.Amount.Value}\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"{summary.TotalBudget.Value}|{summary.TotalCommitted.Value}|{summary.BalanceRemaining.Value}\n");
        return text.ToString();
    }
}
