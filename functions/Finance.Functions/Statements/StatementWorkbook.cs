using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Finance.Domain.Calendar;
using Finance.Domain.Statements;
using Finance.Functions.Imports;

namespace Finance.Functions.Statements;

/// <summary>
/// A budget statement as an Excel workbook (.xlsx): one worksheet named for the month, with the title block, the summary
/// block and the detail block of <see cref="StatementLayout"/>. Amounts are numbers holding the exact pounds and pence,
/// shown with thousands separators and negatives in brackets; whole pounds unless pence are asked for, which changes
/// only the number format. Headings and totals are bold, the heading row is frozen (see <see cref="MaxFrozenRows"/>),
/// columns are sized to their content.
/// </summary>
/// <remarks>
/// Text is written as inline strings, never as formula cells: a spreadsheet does not evaluate a string cell, so
/// "=HYPERLINK(...)" in a title is shown, not run, and is written exactly as it was entered (no leading quote, unlike
/// the CSV). Such cells also get a style with quotePrefix set, as if typed with a leading apostrophe, so that editing
/// the cell in Excel keeps it text rather than turning it into a formula.
/// </remarks>
public static partial class StatementWorkbook
{
    public const string ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /// <summary>
    /// Frozen rows cannot be scrolled, so a frozen block taller than the window hides the detail entirely. The sheet's
    /// summary lists the budget sources and the committed lines, as on the paper, so the rows above the headings grow
    /// with both; past this many (some fifteen sources and lines) only the first two columns are frozen, and the
    /// printed pages still repeat the headings. Twenty-four rows is about two thirds of a 1080p window at 100% zoom.
    /// </summary>
    internal const int MaxFrozenRows = 24;

    /// <summary>The detail block's Funding Source and Title columns stay in view when scrolling across the months.</summary>
    private const int FrozenColumns = 2;

    private const uint AmountFormatId = 164; // custom number formats start at 164; lower ids are built in
    // Whole pounds, half away from zero as JSON and CSV round: an amount under 50p either way is "0", never "(0)".
    private const string WholePoundsFormat = "[>=0.5]#,##0;[<=-0.5](#,##0);0";
    private const string PoundsAndPenceFormat = "#,##0.00;(#,##0.00)";
    private const int MinColumnWidth = 8;
    private const int MaxColumnWidth = 60;
    private const int MaxSheetNameLength = 31;

    /// <summary>Indexes into the stylesheet's cellXfs, in the order <see cref="Stylesheet"/> writes them.</summary>
    private enum Style : uint
    {
        Default,
        Title,
        Bold,
        BoldRight,
        Amount,
        BoldAmount,
        TotalsText,
        TotalsAmount,
        QuotedText,
        QuotedTitle,
    }

    private enum FontId : uint
    {
        Regular,
        Bold,
        Title,
    }

    private enum BorderId : uint
    {
        None,
        Top,
    }

    public static byte[] Write(BudgetStatement statement, bool withPence = false)
    {
        ArgumentNullException.ThrowIfNull(statement);
        var rows = StatementLayout.Rows(statement);
        using var stream = new MemoryStream();
        using (var document = SpreadsheetDocument.Create(stream, SpreadsheetDocumentType.Workbook))
        {
            // The package's relationship to the workbook is given an id too: the SDK's default is random.
            var workbookPart = document.AddNewPart<WorkbookPart>(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "rIdWorkbook");
            // Fixed relationship ids, rather than the SDK's random ones, so the same statement gives the same parts.
            var stylesPart = workbookPart.AddNewPart<WorkbookStylesPart>("rIdStyles");
            stylesPart.Stylesheet = Stylesheet(withPence);
            var worksheetPart = workbookPart.AddNewPart<WorksheetPart>("rIdSheet1");
            worksheetPart.Worksheet = Worksheet(rows, withPence, statement);
            var sheetName = SheetName(statement.Month);
            workbookPart.Workbook = new Workbook(
                new Sheets(new Sheet { Name = sheetName, SheetId = 1, Id = workbookPart.GetIdOfPart(worksheetPart) }),
                PrintTitles(sheetName, rows));
        }
        return Repacked(stream.ToArray());
    }

    /// <summary>
    /// The package again with every entry stamped with one fixed time: the packaging library stamps entries with the
    /// moment they were written, and a board paper must hash the same whenever it is produced. Entries keep their order
    /// and contents; deflate gives the same bytes for the same input.
    /// </summary>
    private static byte[] Repacked(byte[] package)
    {
        using var input = new ZipArchive(new MemoryStream(package), ZipArchiveMode.Read);
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in input.Entries)
            {
                var copy = zip.CreateEntry(entry.FullName, CompressionLevel.Optimal);
                copy.LastWriteTime = EntryTime;
                using var from = entry.Open();
                using var to = copy.Open();
                from.CopyTo(to);
            }
        }
        return output.ToArray();
    }

    private static readonly DateTimeOffset EntryTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The first two columns and the column headings repeat on every printed page.</summary>
    private static DefinedNames PrintTitles(string sheetName, IReadOnlyList<StatementSheetRow> rows)
    {
        var quoted = "'" + sheetName.Replace("'", "''", StringComparison.Ordinal) + "'";
        var headings = rows.Select((r, i) => (r, i)).FirstOrDefault(x => x.r.Kind == StatementRowKind.ColumnHeadings).i + 1;
        return new DefinedNames(new DefinedName(string.Create(CultureInfo.InvariantCulture, $"{quoted}!$A:$B,{quoted}!${headings}:${headings}"))
        {
            Name = "_xlnm.Print_Titles",
            LocalSheetId = 0,
        });
    }

    /// <summary>
    /// Landscape on A4, one page wide (as many tall as it takes), with the pool, the period and the as-at and known-at
    /// in the header and "Page x of y" in the footer.
    /// </summary>
    private static OpenXmlElement[] PrintLayout(BudgetStatement statement)
    {
        static string Escaped(string text, int max) => (text.Length > max ? text[..max] : text).Replace("&", "&&", StringComparison.Ordinal);
        var header = $"&L{Escaped(statement.PoolName, 80)}&C{Escaped(StatementLayout.PeriodLine(statement.Period), 80)}"
            + $"&R{Escaped(StatementLayout.AsAtLine(statement.Period), 80)}";
        return
        [
            new PageMargins { Left = 0.4, Right = 0.4, Top = 0.75, Bottom = 0.6, Header = 0.3, Footer = 0.3 },
            new PageSetup { PaperSize = 9, Orientation = OrientationValues.Landscape, FitToWidth = 1, FitToHeight = 0 },
            new HeaderFooter(new OddHeader(header), new OddFooter("&CPage &P of &N")),
        ];
    }

    /// <summary>"2024-25 M6": sheet names may not hold / \ ? * [ ] : and are at most 31 characters.</summary>
    internal static string SheetName(FinancialMonth month)
    {
        ArgumentNullException.ThrowIfNull(month);
        var name = new StringBuilder($"{month.Year} {month.Label}");
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] is '/' or '\\' or '?' or '*' or '[' or ']' or ':')
            {
                name[i] = '-';
            }
        }
        return name.ToString(0, Math.Min(name.Length, MaxSheetNameLength));
    }

    private static Worksheet Worksheet(IReadOnlyList<StatementSheetRow> rows, bool withPence, BudgetStatement statement)
    {
        var sheetData = new SheetData();
        var headingsRow = 0u;
        for (var i = 0; i < rows.Count; i++)
        {
            var rowNumber = (uint)i + 1;
            var row = rows[i];
            if (row.Kind == StatementRowKind.ColumnHeadings)
            {
                headingsRow = rowNumber;
            }
            var cells = row.Cells
                .Select((cell, column) => Cell(row.Kind, cell, column, rowNumber))
                .OfType<Cell>()
                .ToArray();
            if (cells.Length > 0)
            {
                sheetData.Append(new Row(cells) { RowIndex = rowNumber });
            }
        }
        // Schema order: sheetPr, sheetViews, sheetFormatPr, cols, sheetData, ..., pageMargins, pageSetup, headerFooter.
        return new Worksheet(
            [
                new SheetProperties(new PageSetupProperties { FitToPage = true }),
                new SheetViews(SheetView(headingsRow)),
                Columns(rows, withPence),
                sheetData,
                .. PrintLayout(statement),
            ]);
    }

    /// <summary>Freezes everything above the first detail row and the first two columns, unless that is too tall.</summary>
    private static SheetView SheetView(uint headingsRow)
    {
        var freezeRows = headingsRow is > 0 and <= MaxFrozenRows;
        var topLeftCell = Reference(FrozenColumns, freezeRows ? headingsRow + 1 : 1);
        var pane = new Pane
        {
            HorizontalSplit = FrozenColumns,
            TopLeftCell = topLeftCell,
            ActivePane = freezeRows ? PaneValues.BottomRight : PaneValues.TopRight,
            State = PaneStateValues.Frozen,
        };
        if (freezeRows)
        {
            pane.VerticalSplit = headingsRow;
        }
        var selection = new Selection
        {
            Pane = pane.ActivePane,
            ActiveCell = topLeftCell,
            SequenceOfReferences = new ListValue<StringValue> { InnerText = topLeftCell },
        };
        return new SheetView(pane, selection) { WorkbookViewId = 0 };
    }

    private static Columns Columns(IReadOnlyList<StatementSheetRow> rows, bool withPence)
    {
        // The title and subtitle run over the empty cells to their right, so they do not size column A.
        var widths = new Dictionary<int, int>();
        foreach (var row in rows.Where(r => r.Kind is not (StatementRowKind.Title or StatementRowKind.Subtitle)))
        {
            for (var column = 0; column < row.Cells.Count; column++)
            {
                var length = DisplayLength(row.Cells[column], withPence);
                widths[column] = Math.Max(widths.GetValueOrDefault(column), length);
            }
        }
        var columns = new Columns();
        foreach (var (column, length) in widths.OrderBy(w => w.Key))
        {
            var index = (uint)column + 1;
            columns.Append(new Column
            {
                Min = index,
                Max = index,
                Width = Math.Clamp(length + 2, MinColumnWidth, MaxColumnWidth),
                CustomWidth = true,
            });
        }
        return columns;
    }

    /// <summary>How wide the cell shows: an amount with its separators and brackets when negative; text's longest line.</summary>
    private static int DisplayLength(StatementCell cell, bool withPence) =>
        cell.Amount is { } amount
            ? amount.Format(withPence).Length + (amount.IsNegative ? 1 : 0)
            : (cell.Text ?? "").Split('\n').Max(line => line.Length);

    private static Cell? Cell(StatementRowKind kind, StatementCell cell, int column, uint rowNumber)
    {
        var reference = Reference(column, rowNumber);
        if (cell.Amount is { } amount)
        {
            // The exact amount in pounds; the number format does the rounding to whole pounds on screen.
            var pounds = amount.Value / 100m;
            return new Cell
            {
                CellReference = reference,
                StyleIndex = (uint)AmountStyle(kind),
                CellValue = new CellValue(pounds.ToString("0.##", CultureInfo.InvariantCulture)),
            };
        }
        if (cell.IsBlank)
        {
            // The totals row is bold with a rule above it across every column, blanks included.
            return kind == StatementRowKind.Totals
                ? new Cell { CellReference = reference, StyleIndex = (uint)Style.TotalsText }
                : null;
        }
        var text = cell.Text!;
        var looksLikeFormula = CsvCells.EscapeFormula(text).Length != text.Length;
        return new Cell
        {
            CellReference = reference,
            DataType = CellValues.InlineString,
            StyleIndex = (uint)TextStyle(kind, cell, looksLikeFormula),
            InlineString = new InlineString(XmlText(text)),
        };
    }

    private static Style AmountStyle(StatementRowKind kind) => kind switch
    {
        StatementRowKind.SummaryTotal => Style.BoldAmount,
        StatementRowKind.Totals => Style.TotalsAmount,
        _ => Style.Amount,
    };

    private static Style TextStyle(StatementRowKind kind, StatementCell cell, bool looksLikeFormula) => kind switch
    {
        StatementRowKind.Title => looksLikeFormula ? Style.QuotedTitle : Style.Title,
        StatementRowKind.SectionHeadings or StatementRowKind.ColumnHeadings => cell.HeadsAmounts ? Style.BoldRight : Style.Bold,
        StatementRowKind.SummaryTotal => Style.Bold,
        StatementRowKind.Totals => Style.TotalsText,
        _ => looksLikeFormula ? Style.QuotedText : Style.Default,
    };

    /// <summary>"A1" style, for a zero-based column and a one-based row.</summary>
    private static string Reference(int column, uint row)
    {
        var letters = new StringBuilder();
        for (var n = column + 1; n > 0; n = (n - 1) / 26)
        {
            letters.Insert(0, (char)('A' + ((n - 1) % 26)));
        }
        return string.Create(CultureInfo.InvariantCulture, $"{letters}{row}");
    }

    /// <summary>
    /// Text as a cell can hold it. Characters XML 1.0 forbids (most control characters, unpaired surrogates) become
    /// U+FFFD rather than failing the export; and since Excel reads "_x0041_" in a cell as an escaped "A", an underscore
    /// that starts such a sequence is itself escaped as "_x005F_", so the text reads back exactly as entered.
    /// </summary>
    private static Text XmlText(string text)
    {
        var clean = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], text[i]))
            {
                clean.Append(text, i, 2);
                i++;
            }
            else
            {
                clean.Append(XmlConvert.IsXmlChar(text[i]) ? text[i] : '\uFFFD');
            }
        }
        var escaped = EscapedCharacter().Replace(clean.ToString(), "_x005F$0");
        var result = new Text(escaped);
        if (escaped.Length > 0 && (char.IsWhiteSpace(escaped[0]) || char.IsWhiteSpace(escaped[^1]) || escaped.Contains('\n', StringComparison.Ordinal)))
        {
            result.Space = SpaceProcessingModeValues.Preserve;
        }
        return result;
    }

    [GeneratedRegex("_x[0-9A-Fa-f]{4}_", RegexOptions.CultureInvariant)]
    private static partial Regex EscapedCharacter();

    /// <summary>
    /// Fonts, fills, borders, cell style formats, cell formats and cell styles, in the order the schema requires; the two
    /// fills are the ones Excel reserves (none and gray125). One custom number format: whole pounds or pounds and pence.
    /// </summary>
    private static Stylesheet Stylesheet(bool withPence)
    {
        var numberingFormats = new NumberingFormats(new NumberingFormat
        {
            NumberFormatId = AmountFormatId,
            FormatCode = withPence ? PoundsAndPenceFormat : WholePoundsFormat,
        })
        { Count = 1 };

        // Font children in schema order: b, sz, color, name, family.
        static Font Font(bool bold, double size)
        {
            var font = new Font();
            if (bold)
            {
                font.Append(new Bold());
            }
            font.Append(
                new FontSize { Val = size },
                new Color { Theme = 1 },
                new FontName { Val = "Calibri" },
                new FontFamilyNumbering { Val = 2 });
            return font;
        }
        var fonts = new Fonts(Font(bold: false, 11), Font(bold: true, 11), Font(bold: true, 14)) { Count = 3 };

        var fills = new Fills(
            new Fill(new PatternFill { PatternType = PatternValues.None }),
            new Fill(new PatternFill { PatternType = PatternValues.Gray125 }))
        { Count = 2 };

        var borders = new Borders(
            new Border(new LeftBorder(), new RightBorder(), new TopBorder(), new BottomBorder(), new DiagonalBorder()),
            new Border(new LeftBorder(), new RightBorder(), new TopBorder { Style = BorderStyleValues.Thin }, new BottomBorder(), new DiagonalBorder()))
        { Count = 2 };

        var cellStyleFormats = new CellStyleFormats(new CellFormat { NumberFormatId = 0, FontId = 0, FillId = 0, BorderId = 0 }) { Count = 1 };

        static CellFormat Format(FontId font, bool amount = false, BorderId border = BorderId.None, bool alignRight = false, bool quotePrefix = false)
        {
            var format = new CellFormat
            {
                NumberFormatId = amount ? AmountFormatId : 0,
                FontId = (uint)font,
                FillId = 0,
                BorderId = (uint)border,
                FormatId = 0,
            };
            if (amount)
            {
                format.ApplyNumberFormat = true;
            }
            if (font != FontId.Regular)
            {
                format.ApplyFont = true;
            }
            if (border != BorderId.None)
            {
                format.ApplyBorder = true;
            }
            if (quotePrefix)
            {
                format.QuotePrefix = true;
            }
            if (alignRight)
            {
                format.ApplyAlignment = true;
                format.Append(new Alignment { Horizontal = HorizontalAlignmentValues.Right });
            }
            return format;
        }

        // In the order of Style.
        CellFormat[] formats =
        [
            Format(FontId.Regular),
            Format(FontId.Title),
            Format(FontId.Bold),
            Format(FontId.Bold, alignRight: true),
            Format(FontId.Regular, amount: true),
            Format(FontId.Bold, amount: true),
            Format(FontId.Bold, border: BorderId.Top),
            Format(FontId.Bold, amount: true, border: BorderId.Top),
            Format(FontId.Regular, quotePrefix: true),
            Format(FontId.Title, quotePrefix: true),
        ];
        var cellFormats = new CellFormats(formats) { Count = (uint)formats.Length };

        var cellStyles = new CellStyles(new CellStyle { Name = "Normal", FormatId = 0, BuiltinId = 0 }) { Count = 1 };

        return new Stylesheet(numberingFormats, fonts, fills, borders, cellStyleFormats, cellFormats, cellStyles);
    }
}
