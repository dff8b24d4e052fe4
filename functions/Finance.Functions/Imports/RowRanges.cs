using Finance.Domain.Ledger;

namespace Finance.Functions.Imports;

/// <summary>File rows <paramref name="From"/> to <paramref name="To"/>, both included, numbered as the CSV problems number
/// them (as a spreadsheet shows the file: the header is row 1, the first data row row 2).</summary>
public sealed record RowRange(int From, int To);

/// <summary>Which file rows of an import are in the ledger, from its chunk boundaries.</summary>
public static class RowRanges
{
    /// <summary>
    /// The rows of the first <paramref name="chunksApplied"/> chunks, and the rest, each as ranges in file order. Chunks
    /// are cut by line, so one range holds the rows of one side that follow each other in the file; a blank line (not a
    /// row of data) between two rows of one side does not break their range.
    /// </summary>
    public static (IReadOnlyList<RowRange> Applied, IReadOnlyList<RowRange> Unapplied) Of(IReadOnlyList<IReadOnlyList<JournalEntry>> chunks, int chunksApplied)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var rows = chunks.SelectMany((chunk, i) => chunk.Select(e => (Row: ImportRunner.RowOf(e), Applied: i < chunksApplied))).OrderBy(r => r.Row).ToList();
        var applied = new List<RowRange>();
        var unapplied = new List<RowRange>();
        for (var start = 0; start < rows.Count;)
        {
            var end = start;
            while (end + 1 < rows.Count && rows[end + 1].Applied == rows[start].Applied)
            {
                end++;
            }
            (rows[start].Applied ? applied : unapplied).Add(new RowRange(rows[start].Row, rows[end].Row));
            start = end + 1;
        }
        return (applied, unapplied);
    }
}
