using System.Globalization;
using Finance.Benchmarks.Harness;
using Finance.Benchmarks.Posting;

namespace Finance.Benchmarks.Statement;

/// <summary>
/// What the statement is drawn from, posted through the API by a finance lead of the host council after the pool's
/// set-up (<see cref="BenchPools"/>: 200 lines unless told, each with a commitment): an actual on every line in every month from 1
/// to <see cref="MonthsPosted"/>, an accrual in the last month on every fourth line and a forecast outturn on every
/// fifth. Amounts are the same every run, and well inside each line's budget.
/// </summary>
internal static class StatementLedger
{
    public const int DefaultLines = 200;

    public const int MonthsPosted = 8;

    /// <summary>Entries per posting, each on a different line: the typical posting of the posting scenario.</summary>
    public const int EntriesPerPosting = 32;

    public const int AccrualEveryNthLine = 4;

    public const int ForecastEveryNthLine = 5;

    /// <summary>1,000.00 to 9,999.99 a month: eight months stay under the 100,000.00 budget.</summary>
    public static long ActualPence(int line, int month) => 1_000_00 + (line * 7_919L + month * 104_729L) % 9_000_00;

    public static long AccrualPence(int line) => 250_00 + line * 1_009L % 750_00;

    /// <summary>90,000.00 to 98,999.99: near, and under, the budget.</summary>
    public static long ForecastPence(int line) => 90_000_00 + line * 10_007L % 9_000_00;

    /// <summary>The statement to <paramref name="month"/> must show this much YTD actual spend in its totals.</summary>
    public static long YtdActualsPence(int month, int lines) =>
        Enumerable.Range(1, Math.Min(month, MonthsPosted)).Sum(m => Enumerable.Range(0, lines).Sum(line => ActualPence(line, m)));

    /// <summary>Every posting, in order: the actuals month by month (32 consecutive lines each), then the accruals, then
    /// the forecasts. A posting never has two entries on one line.</summary>
    public static IEnumerable<EntryBody[]> Postings(int lines)
    {
        var actuals = Enumerable.Range(1, MonthsPosted)
            .SelectMany(month => Enumerable.Range(0, lines).Select(line => new EntryBody(
                "actual", BenchPools.LineId(line), month, LedgerApi.Pounds(ActualPence(line, month)),
                string.Create(CultureInfo.InvariantCulture, $"INV-M{month:D2}-{line + 1:D3}"), "Bench monthly invoice")));
        var accruals = Enumerable.Range(0, lines).Where(line => line % AccrualEveryNthLine == 0)
            .Select(line => new EntryBody("accrual", BenchPools.LineId(line), MonthsPosted, LedgerApi.Pounds(AccrualPence(line)), Memo: "Bench accrual"));
        var forecasts = Enumerable.Range(0, lines).Where(line => line % ForecastEveryNthLine == 0)
            .Select(line => new EntryBody("forecastOutturn", BenchPools.LineId(line), MonthsPosted, LedgerApi.Pounds(ForecastPence(line)), Memo: "Bench forecast"));
        return new[] { actuals, accruals, forecasts }.SelectMany(kind => kind.Chunk(EntriesPerPosting));
    }

    /// <summary>Posts everything into <paramref name="pool"/>, one posting after another (they share the pool's head);
    /// returns how many postings and entries.</summary>
    public static async Task<(int Postings, int Entries)> PostAsync(ApiClient lead, string pool, int lines, CancellationToken cancellationToken)
    {
        var postings = 0;
        var entries = 0;
        foreach (var posting in Postings(lines))
        {
            await LedgerApi.PostAsync(lead, pool, posting, cancellationToken);
            postings++;
            entries += posting.Length;
        }
        return (postings, entries);
    }
}
