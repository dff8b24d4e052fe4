using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Finance.Domain;
using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Functions.Http;
using Finance.Domain.Money;

// The folder is named for the domain (finance leads' imports); no Visual Basic code will consume this assembly.
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace",
    Target = "~N:Finance.Functions.Imports", Justification = "Named for the domain; the assembly has no VB consumers.")]

namespace Finance.Functions.Imports;

/// <summary>One valid data row. <paramref name="Row"/> is the 1-based physical record number in the file, counting the
/// header as row 1 (so the first data row is row 2); blank lines are counted, as a spreadsheet shows them.</summary>
public sealed record ActualsCsvRow(
    int Row, string Line, FinancialMonth Month, Pence Amount, string? Reference, string? Memo, NodaTime.Instant? EffectiveAt = null,
    EntryKind Kind = EntryKind.Actual);

/// <summary>One thing wrong. <paramref name="Column"/> is the header name ("pool", "line", "month", "amount", "reference",
/// "memo") or "" for the whole row or file; <paramref name="Value"/> is the offending text (at most
/// <see cref="ActualsCsv.MaxProblemValueLength"/> characters) or null. Row 0 is the file as a whole.</summary>
public sealed record CsvProblem(int Row, string Column, string? Value, string Reason);

/// <summary>What a file is checked against: the pool it was uploaded to, the pool's year and its line ids.</summary>
/// <param name="NotAfter">The latest an effectiveAt may be: when the file is read at upload; its upload time when applied.</param>
public sealed record ActualsCsvContext(
    string PoolId, FinancialYear Year, IReadOnlySet<string> LineIds, int MaxRows = ActualsCsv.MaxRows, NodaTime.Instant? NotAfter = null);

/// <summary>Either every row of the file, or every problem with it: nothing is partially accepted.</summary>
public sealed class ActualsCsvResult
{
    internal ActualsCsvResult(IReadOnlyList<ActualsCsvRow> rows, IReadOnlyList<CsvProblem> problems, int problemCount, int dataRows)
    {
        Rows = problemCount == 0 ? rows : [];
        Problems = problems;
        ProblemCount = problemCount;
        DataRows = dataRows;
    }

    /// <summary>The rows in file order; empty when there is any problem.</summary>
    public IReadOnlyList<ActualsCsvRow> Rows { get; }

    /// <summary>The problems in file order, at most <see cref="ActualsCsv.MaxProblemsListed"/> of them.</summary>
    public IReadOnlyList<CsvProblem> Problems { get; }

    /// <summary>How many problems there are in all, including those beyond <see cref="ActualsCsv.MaxProblemsListed"/>.</summary>
    public int ProblemCount { get; }

    /// <summary>Data rows read (blank lines not counted). When a file is too long, reading stops one row past the limit.</summary>
    public int DataRows { get; }

    public bool IsValid => ProblemCount == 0;
}

/// <summary>
/// Reads a finance lead's CSV of a month's actuals (usually an export from their own ledger) and checks every row
/// against the pool it was uploaded to. The whole file is refused, with every problem listed, if anything is wrong:
/// a file half-posted is harder to put right than one refused.
/// </summary>
/// <remarks>
/// The file is UTF-8 (a byte order mark is allowed), comma- or semicolon-separated (whichever the header uses), with a
/// header naming the six required <see cref="Columns"/> (and, if it likes, <c>effectiveAt</c>: when each row
/// happened, an instant, empty is when posted; and <c>kind</c>: what each row is, one of <see cref="Kinds"/>, empty is
/// an actual, so a finance lead's whole month-end submission goes in one file) in any order and any case. Text is stored exactly as given, trimmed:
/// "=HYPERLINK(...)" is a valid memo. Escaping for spreadsheets happens on the way out, in <see cref="CsvCells"/>.
/// </remarks>
public static class ActualsCsv
{
    public const int MaxRows = 50_000;
    public const int MaxProblemsListed = 1_000;
    public const int MaxReferenceLength = 200;
    public const int MaxMemoLength = Limits.MaxTextLength;
    public const int MaxProblemValueLength = 100;

    private const int Pool = 0;
    private const int Line = 1;
    private const int Month = 2;
    private const int Amount = 3;
    private const int Reference = 4;
    private const int Memo = 5;
    private const int EffectiveAt = 6;
    private const int Kind = 7;

    /// <summary>Every column a file may have: the first <see cref="RequiredColumns"/> it must.</summary>
    public static IReadOnlyList<string> Columns { get; } = ["pool", "line", "month", "amount", "reference", "memo", "effectiveAt", "kind"];

    /// <summary>What a row may be: the figures a line's finance lead submits at month end.</summary>
    public static IReadOnlyList<EntryKind> Kinds { get; } =
        [EntryKind.Actual, EntryKind.PriorYearInvoice, EntryKind.Accrual, EntryKind.ForecastOutturn, EntryKind.NilReturn, EntryKind.Note];

    public const int RequiredColumns = 6;

    private static string ColumnList => string.Join(",", Columns.Take(RequiredColumns));

    public static ActualsCsvResult Parse(Stream csv, ActualsCsvContext context)
    {
        ArgumentNullException.ThrowIfNull(csv);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(context.PoolId);
        ArgumentNullException.ThrowIfNull(context.Year);
        ArgumentNullException.ThrowIfNull(context.LineIds);
        ArgumentOutOfRangeException.ThrowIfLessThan(context.MaxRows, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(context.MaxRows, MaxRows);

        return new Parser(csv, context).Run();
    }

    internal static string? Truncate(string? text) =>
        text is null || text.Length <= MaxProblemValueLength
            ? text
            : string.Concat(text.AsSpan(0, char.IsHighSurrogate(text[MaxProblemValueLength - 2]) ? MaxProblemValueLength - 2 : MaxProblemValueLength - 1), "…");

    private static bool IsBlank(List<string> fields)
    {
        foreach (var field in fields)
        {
            if (!string.IsNullOrWhiteSpace(field))
            {
                return false;
            }
        }
        return true;
    }

    private static string Plural(int count, string one, string many) =>
        string.Create(CultureInfo.InvariantCulture, $"{count:N0} {(count == 1 ? one : many)}");

    /// <summary>What makes two rows the same posting: line, month, amount and reference.</summary>
    private readonly record struct PostingKey(string Line, int Month, long AmountPence, string? Reference, EntryKind Kind);

    private sealed class Parser(Stream csv, ActualsCsvContext context)
    {
        private readonly CsvRecordReader reader = new(csv);
        private readonly List<string> fields = new(Columns.Count + 2);
        private readonly List<CsvProblem> problemsListed = [];
        private readonly Dictionary<PostingKey, int> firstRowOfPosting = [];
        private readonly string poolId = context.PoolId.Trim();
        private readonly int[] fieldOfColumn = [-1, -1, -1, -1, -1, -1, -1, -1];
        private readonly FinancialMonth[] months = [.. context.Year.Months]; // One instance per month, shared by every row.
        private List<ActualsCsvRow>? rows = [];
        private int problemCount;
        private int dataRows;
        private int headerFields;
        private char delimiter = ',';

        public ActualsCsvResult Run()
        {
            if (ReadHeader())
            {
                ReadData();
            }
            return new ActualsCsvResult(rows ?? [], problemsListed, problemCount, dataRows);
        }

        private void Problem(int row, string column, string? value, string reason)
        {
            problemCount++;
            rows = null; // Nothing will be accepted, so stop holding rows.
            if (problemsListed.Count < MaxProblemsListed)
            {
                problemsListed.Add(new CsvProblem(row, column, Truncate(value), reason));
            }
        }

        /// <returns>Whether data rows can be read: false when there is no header to read them by.</returns>
        private bool ReadHeader()
        {
            var raw = new StringBuilder();
            CsvReadStatus status;
            do
            {
                raw.Clear();
                status = reader.Read(fields, ',', raw);
            }
            while (status == CsvReadStatus.Record && IsBlank(fields));

            switch (status)
            {
                case CsvReadStatus.End:
                    Problem(0, "", null, $"The file is empty; its first row must be the header {ColumnList}, followed by a row for each actual.");
                    return false;
                case CsvReadStatus.InvalidUtf8:
                    InvalidUtf8();
                    return false;
                case CsvReadStatus.TooLong:
                    Problem(reader.Row, "", null,
                        $"The first row is longer than {CsvRecordReader.MaxRecordChars:N0} characters; the file must start with the header {ColumnList}.");
                    return false;
            }

            // The delimiter is whichever one splits the header into more of the known columns; a tie goes to the comma.
            var byComma = fields.ToArray();
            var bySemicolon = SplitAgain(raw.ToString(), ';');
            if (KnownColumns(bySemicolon) > KnownColumns(byComma)
                || (KnownColumns(byComma) == 0 && KnownColumns(bySemicolon) == 0 && bySemicolon.Length > byComma.Length))
            {
                delimiter = ';';
            }
            var header = delimiter == ';' ? bySemicolon : byComma;
            headerFields = header.Length;
            var headerRow = reader.Row;

            if (KnownColumns(header) == 0)
            {
                // Most likely the header was left off and this is the first row of data.
                foreach (var column in Columns)
                {
                    Problem(headerRow, column, null,
                        $"The header has no '{column}' column: the first row must be the header {ColumnList}, and this one looks like data or something else.");
                }
                return false;
            }

            for (var i = 0; i < header.Length; i++)
            {
                var name = header[i].Trim();
                var column = IndexOfColumn(name);
                if (name.Length == 0)
                {
                    Problem(headerRow, "", header[i],
                        $"Header column {i + 1} has no name; every column must be one of {ColumnList}. Remove the empty column.");
                }
                else if (column < 0)
                {
                    Problem(headerRow, "", header[i],
                        $"The header has an unknown column '{name}'; the columns are {ColumnList} and, if wanted, effectiveAt and kind.");
                }
                else if (fieldOfColumn[column] >= 0)
                {
                    Problem(headerRow, Columns[column], header[i],
                        $"The header names the '{Columns[column]}' column more than once (columns {fieldOfColumn[column] + 1} and {i + 1}).");
                }
                else
                {
                    fieldOfColumn[column] = i;
                }
            }
            for (var column = 0; column < RequiredColumns; column++)
            {
                if (fieldOfColumn[column] < 0)
                {
                    Problem(headerRow, Columns[column], null,
                        $"The header has no '{Columns[column]}' column; it must name all of {ColumnList} (reference and memo may be left empty in a row).");
                }
            }
            return true;
        }

        private static string[] SplitAgain(string record, char delimiter)
        {
            var again = new CsvRecordReader(new MemoryStream(Encoding.UTF8.GetBytes(record)));
            var split = new List<string>();
            return again.Read(split, delimiter) == CsvReadStatus.Record ? [.. split] : [];
        }

        private static int IndexOfColumn(string name)
        {
            for (var column = 0; column < Columns.Count; column++)
            {
                if (string.Equals(Columns[column], name, StringComparison.OrdinalIgnoreCase))
                {
                    return column;
                }
            }
            return -1;
        }

        private static int KnownColumns(string[] header) => header.Select(h => IndexOfColumn(h.Trim())).Where(c => c >= 0).Distinct().Count();

        private void ReadData()
        {
            while (true)
            {
                var status = reader.Read(fields, delimiter);
                switch (status)
                {
                    case CsvReadStatus.End:
                        if (dataRows == 0)
                        {
                            Problem(0, "", null, "The file has a header but no data rows; there is nothing to post.");
                        }
                        return;
                    case CsvReadStatus.InvalidUtf8:
                        InvalidUtf8();
                        return;
                    case CsvReadStatus.TooLong:
                        Problem(reader.Row, "", null,
                            $"Row {reader.Row} is longer than {CsvRecordReader.MaxRecordChars:N0} characters, so reading stopped there. "
                            + "Usually a quote (\") was opened and never closed.");
                        return;
                }
                if (IsBlank(fields))
                {
                    continue;
                }
                dataRows++;
                if (dataRows > context.MaxRows)
                {
                    Problem(reader.Row, "", null,
                        $"The file has more than {Plural(context.MaxRows, "data row", "data rows")}, the most one upload may hold, so reading stopped at row {reader.Row}. Split it into smaller files.");
                    return;
                }
                CheckRow();
            }
        }

        private void InvalidUtf8() =>
            Problem(reader.Row, "", null,
                $"The file is not valid UTF-8 text (found in row {reader.Row}), so reading stopped there. "
                + "Save it from the spreadsheet as 'CSV UTF-8'; a plain 'CSV' export from Excel writes £ and accented letters in another encoding.");

        private void CheckRow()
        {
            var row = reader.Row;
            switch (reader.RecordFault)
            {
                case CsvRecordFault.UnclosedQuote:
                    Problem(row, "", null, "A quoted value in this row is never closed: the file ends inside it.");
                    return;
                case CsvRecordFault.TextAfterQuote:
                    Problem(row, "", null,
                        "A quoted value in this row is followed by more text before the next delimiter; a quote inside a quoted value must be doubled (\"\").");
                    break;
            }
            if (fields.Count != headerFields)
            {
                var hint = delimiter == ','
                    ? " A comma inside a value, as in 1,234.56, needs the value in quotes: \"1,234.56\"."
                    : " A semicolon inside a value needs the value in quotes.";
                Problem(row, "", null,
                    $"The row has {Plural(fields.Count, "field", "fields")} but the header has {headerFields}.{hint}");
                return;
            }

            CheckPool(row);
            var line = CheckLine(row);
            var month = CheckMonth(row);
            var kind = CheckKind(row);
            var amount = kind is { } k ? CheckAmount(row, k) : null;
            var reference = CheckText(row, Reference, MaxReferenceLength, singleLine: true);
            var memo = CheckText(row, Memo, MaxMemoLength, singleLine: false);
            var effectiveAt = CheckEffectiveAt(row, out var effectiveProblem);
            // The rules between a kind and its memo (a note's text), as the API applies them to a posted entry.
            if (kind is { } rowKind && amount is { } rowAmount && !memo.Problem
                && JournalEntry.Fault(rowKind, rowAmount, new LineId("csv-row"), null, null, null, null, null, memo.Text) is { Field: "memo" } memoFault)
            {
                Problem(row, Columns[Memo], Field(Memo), char.ToUpperInvariant(memoFault.Message[0]) + memoFault.Message[1..] + ".");
                return;
            }

            // A row wrong only in its memo can still be duplicated by a later one; say so too.
            if (line is null || month is null || kind is null || amount is not { } pence || reference.Problem || effectiveProblem)
            {
                return;
            }
            // Two notes for one line and month would leave which one the statement shows to chance.
            var key = kind == EntryKind.Note
                ? new PostingKey(line, month.Number, 0, null, EntryKind.Note)
                : new PostingKey(line, month.Number, pence.Value, reference.Text, kind.Value);
            if (kind == EntryKind.Note && firstRowOfPosting.TryGetValue(key, out var noteRow))
            {
                Problem(row, "", null,
                    $"Row {noteRow} already holds a note for line '{line}' in month {month.Number}; a file holds one note per line and month.");
                return;
            }
            if (!firstRowOfPosting.TryAdd(key, row))
            {
                Problem(row, "", null,
                    $"This row is a duplicate of row {firstRowOfPosting[key]}: the same kind, line, month, amount and reference. If both are real, give them different references.");
                return;
            }
            rows?.Add(new ActualsCsvRow(row, line, month, pence, reference.Text, memo.Text, effectiveAt, kind.Value));
        }

        /// <summary>The row's effectiveAt, if the file has the column and the row a value: the rule of the API's entries.</summary>
        private NodaTime.Instant? CheckEffectiveAt(int row, out bool problem)
        {
            problem = false;
            var given = Field(EffectiveAt);
            var text = given.Trim();
            if (!Present(EffectiveAt) || text.Length == 0)
            {
                return null;
            }
            var errors = new FieldErrors();
            var notAfter = context.NotAfter ?? NodaTime.SystemClock.Instance.GetCurrentInstant();
            var effective = errors.Effective(Columns[EffectiveAt], text, notAfter, context.Year);
            if (effective is null)
            {
                problem = true;
                Problem(row, Columns[EffectiveAt], given, errors.ToDictionary().Values.First()[0]);
            }
            return effective;
        }

        private string Field(int column) => fieldOfColumn[column] is var index and >= 0 ? fields[index] : "";

        private bool Present(int column) => fieldOfColumn[column] >= 0;

        private void CheckPool(int row)
        {
            if (!Present(Pool))
            {
                return;
            }
            var given = Field(Pool);
            var pool = given.Trim();
            if (pool.Length == 0)
            {
                Problem(row, Columns[Pool], given, $"The pool is empty; every row must name the pool it was uploaded to, '{poolId}'.");
            }
            else if (!string.Equals(pool, poolId, StringComparison.Ordinal))
            {
                Problem(row, Columns[Pool], given, $"The file is for pool '{pool}', but it was uploaded to pool '{poolId}'.");
            }
        }

        private string? CheckLine(int row)
        {
            if (!Present(Line))
            {
                return null;
            }
            var given = Field(Line);
            var line = given.Trim();
            if (line.Length == 0)
            {
                Problem(row, Columns[Line], given, "The line is empty; every row must name one of the pool's lines.");
                return null;
            }
            if (Identifier.Problem(line, "line id") is { } notAnId)
            {
                Problem(row, Columns[Line], given, notAnId);
                return null;
            }
            if (!context.LineIds.Contains(line))
            {
                Problem(row, Columns[Line], given, $"Pool '{poolId}' has no line '{line}'.");
                return null;
            }
            return line;
        }

        private FinancialMonth? CheckMonth(int row)
        {
            if (!Present(Month))
            {
                return null;
            }
            var given = Field(Month);
            var text = given.Trim();
            var year = context.Year;
            if (text.Length == 0)
            {
                Problem(row, Columns[Month], given, $"The month is empty; write 6, M6 or {year} M6 (month 1 is April, month 12 is March).");
                return null;
            }
            if (FinancialMonth.TryParseNumber(text, out var number, out _))
            {
                return months[number - 1];
            }
            if (!text.Contains('/', StringComparison.Ordinal))
            {
                Problem(row, Columns[Month], given,
                    $"'{text}' is not a month of {year}; write 6, M6 or {year} M6 (month 1 is April, month 12 is March).");
                return null;
            }
            if (!FinancialMonth.TryParse(text, out var month, out var error))
            {
                Problem(row, Columns[Month], given, error);
                return null;
            }
            if (month.Year != year)
            {
                Problem(row, Columns[Month], given,
                    $"'{text}' is in {month.Year}, but the pool's year is {year}; a file holds one year's actuals, not mixed years.");
                return null;
            }
            return months[month.Number - 1];
        }

        /// <summary>The row's kind: an actual when the file has no kind column or the cell is empty.</summary>
        private EntryKind? CheckKind(int row)
        {
            var given = Field(Kind);
            var text = given.Trim();
            if (!Present(Kind) || text.Length == 0)
            {
                return EntryKind.Actual;
            }
            foreach (var kind in Kinds)
            {
                if (string.Equals(EntryKinds.Name(kind), text, StringComparison.OrdinalIgnoreCase))
                {
                    return kind;
                }
            }
            Problem(row, Columns[Kind], given,
                $"'{FieldErrors.Clip(text)}' is not a kind a file may hold; use one of {string.Join(", ", Kinds.Select(EntryKinds.Name))} (empty is an actual).");
            return null;
        }

        private Pence? CheckAmount(int row, EntryKind kind)
        {
            if (!Present(Amount))
            {
                return null;
            }
            var given = Field(Amount);
            if (kind is EntryKind.NilReturn or EntryKind.Note && given.Trim().Length == 0)
            {
                return Pence.Zero;
            }
            if (!Pence.TryParse(given, Pence.DefaultParseCeiling, out var amount, out var error))
            {
                Problem(row, Columns[Amount], given, error);
                return null;
            }
            if (amount.IsZero && kind == EntryKind.Actual)
            {
                Problem(row, Columns[Amount], given,
                    "The amount is zero; an actual of zero posts nothing. Leave the row out, or make it a nilReturn in the kind column.");
                return null;
            }
            // The rules between a kind and its amount, as the API applies them to a posted entry.
            if (JournalEntry.Fault(kind, amount, new LineId("csv-row"), null, null, null, null, null, memo: "-") is { Field: "amount" } fault)
            {
                Problem(row, Columns[Amount], given, char.ToUpperInvariant(fault.Message[0]) + fault.Message[1..] + ".");
                return null;
            }
            return amount;
        }

        private (string? Text, bool Problem) CheckText(int row, int column, int maxLength, bool singleLine)
        {
            if (!Present(column))
            {
                return (null, false);
            }
            var given = Field(column);
            var text = Finance.Domain.TextRule.Normalise(given);
            if (text.Length > maxLength)
            {
                Problem(row, Columns[column], given,
                    $"The {Columns[column]} is {text.Length:N0} characters long; the most is {maxLength:N0}.");
                return (null, true);
            }
            if (Finance.Domain.TextRule.Problem(text, singleLine) is { } problem)
            {
                Problem(row, Columns[column], given, $"The {Columns[column]} {problem}.");
                return (null, true);
            }
            return (text.Length == 0 ? null : text, false);
        }
    }
}
