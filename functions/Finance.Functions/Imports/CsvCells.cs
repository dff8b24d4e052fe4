using System.Buffers;

namespace Finance.Functions.Imports;

/// <summary>
/// Export-side safety for spreadsheet cells (CSV injection). Imported text is stored exactly as given, so a memo of
/// "=HYPERLINK(...)" is kept; it is made inert here, when it is written into a file someone will open in a spreadsheet.
/// </summary>
public static class CsvCells
{
    private static readonly SearchValues<char> FormulaStarts = SearchValues.Create("=+-@");

    /// <summary>
    /// Text that a spreadsheet would read as a formula is prefixed with a single quote ('): text whose first character is
    /// = + - @ TAB or CR, or whose first character after leading whitespace is = + - @ (some spreadsheets trim before
    /// they evaluate). Other text is returned unchanged; null becomes "". Numbers you format yourself are not passed
    /// through this: "-12.50" would become text.
    /// </summary>
    public static string EscapeFormula(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }
        var first = text.AsSpan().TrimStart();
        var isFormula = text[0] is '\t' or '\r' || (first.Length > 0 && FormulaStarts.Contains(first[0]));
        return isFormula ? "'" + text : text;
    }

    /// <summary>One CSV field: <see cref="EscapeFormula"/> applied, then quoted per RFC 4180 (quotes doubled) when it holds
    /// the delimiter, a quote, CR or LF.</summary>
    public static string Field(string? text, char delimiter = ',')
    {
        if (delimiter is '"' or '\r' or '\n')
        {
            throw new ArgumentOutOfRangeException(nameof(delimiter), delimiter, "A CSV delimiter cannot be a quote or a line break.");
        }
        var escaped = EscapeFormula(text);
        var needsQuotes = escaped.AsSpan().IndexOfAny(['"', '\r', '\n', delimiter]) >= 0;
        return needsQuotes ? "\"" + escaped.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : escaped;
    }
}
