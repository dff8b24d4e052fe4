using System.Globalization;
using System.Text;

namespace Finance.Benchmarks.Posting;

/// <summary>How the entries of one posting fall on lines.</summary>
internal enum LineSpread
{
    /// <summary>Consecutive entries on consecutive lines: a posting of n ≤ lines entries touches n lines, as a finance
    /// lead's month of invoices typically does. Each line touched costs the posting a balance row.</summary>
    DistinctLines,

    /// <summary>Every entry of a posting on the same line and month: one balance row, so the most entries fit.</summary>
    OneLinePerPosting,
}

/// <summary>
/// The actuals a finance lead posts: the n-th of a pool is always the same entry (line, month, amount, reference), so
/// runs are repeatable. Amounts run from 1.00 to 999.99, far inside each line's budget; references are unique.
/// </summary>
internal static class Actuals
{
    public const int Months = 12;

    public static IEnumerable<EntryBody[]> Postings(string pool, int count, int perPosting, LineSpread spread, int lines) =>
        Enumerable.Range(0, count)
            .Chunk(perPosting)
            .Select((chunk, posting) => chunk.Select(n => spread switch
            {
                LineSpread.DistinctLines => Entry(pool, n, n % lines, n / lines % Months + 1),
                _ => Entry(pool, n, posting % lines, posting / lines % Months + 1),
            }).ToArray());

    /// <summary>The same actuals as a CSV import: header, then one row per entry on distinct lines in turn.</summary>
    public static byte[] Csv(string pool, int count, int lines)
    {
        var csv = new StringBuilder(capacity: 80 * (count + 1));
        csv.Append("pool,line,month,amount,reference,memo\n");
        for (var n = 0; n < count; n++)
        {
            var entry = Entry(pool, n, n % lines, n / lines % Months + 1);
            csv.Append(CultureInfo.InvariantCulture, $"{pool},{entry.Line},{entry.Month},{entry.Amount},{entry.Reference},{entry.Memo}\n");
        }
        return Encoding.UTF8.GetBytes(csv.ToString());
    }

    private static EntryBody Entry(string pool, int n, int line, int month) => new(
        "actual",
        BenchPools.LineId(line),
        month,
        LedgerApi.Pounds(100 + n * 7919L % 99_900),
        string.Create(CultureInfo.InvariantCulture, $"INV-{pool}-{n:D7}"),
        string.Create(CultureInfo.InvariantCulture, $"Bench invoice {n}"));
}
