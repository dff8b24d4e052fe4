using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Finance.Benchmarks.Harness;
using Finance.Benchmarks.Posting;
using Finance.Domain.Calendar;
using Finance.Domain.Model;
using Finance.Domain.Principals;
using Finance.Storage.Ledger;

namespace Finance.Benchmarks.Statement;

/// <summary>
/// As-at statements of a 200-line pool (<c>--pool-lines N</c>: 96 entries a line) with some 20,000 entries, each dated (effectiveAt) when it happened: the
/// statement as the ledger stands (from the balance rows), as at a moment in the year (every journal row read and
/// folded), and as at that moment as known at a later one, each under load beside the raw scan of the same journal
/// rows from Azurite in the same run, since an as-at statement must read every entry.
/// </summary>
internal sealed class AsAtScenario : IScenario
{
    public const string Pool = "bench-as-at";


    public const int MonthsPosted = 8;

    /// <summary>Invoices a month on each line: 200 × 8 × 12 = 19,200 actuals, with the 200 commitments some 19,400 entries.</summary>
    public const int InvoicesPerLineMonth = 12;

    private const int Month = MonthsPosted;

    /// <summary>The ledger's journal rows' keys begin so (Finance.Storage's LedgerRows, internal there), as the raw reads of the statement benchmark name theirs.</summary>
    private const string JournalPrefix = "journal~";

    /// <summary>The as-at: mid-November 2024, so months 1-7 and part of month 8 are in effect.</summary>
    private const string AsAt = "2024-11-15T12:00:00Z";

    private static readonly string Year = BenchPools.FinancialYear.Replace('/', '-');

    public string Verb => "asat";

    public string Summary => "as-at statements of a 200-line pool with ~20,000 dated entries vs the raw partition scan";

    public IReadOnlyList<string> Options { get; } = [BenchOptions.SecondsOption, BenchOptions.ClientsOption, BenchOptions.PoolLinesOption];

    public async Task RunAsync(BenchOptions options, BenchReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(report);
        await using var storage = await StorageUnderTest.StartAsync();
        await using var app = await AppUnderTest.StartAsync(storage.Azurite, report, cancellationToken);
        await app.MeasureAsync(() => MeasureAsync(app, storage, options, report, cancellationToken), cancellationToken);
    }

    /// <summary>When invoice <paramref name="n"/> of a line-month happened: spread over the month, from its 1st.</summary>
    private static string EffectiveAt(int month, int n)
    {
        var first = new FinancialYear(2024).Month(month).PeriodEnd.With(d => new NodaTime.LocalDate(d.Year, d.Month, 1));
        return first.PlusDays(n * 2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T10:00:00Z";
    }

    private static IEnumerable<EntryBody[]> Postings(int lines) =>
        Enumerable.Range(1, MonthsPosted)
            .SelectMany(month => Enumerable.Range(0, InvoicesPerLineMonth).SelectMany(n => Enumerable.Range(0, lines).Select(line => new EntryBody(
                "actual", BenchPools.LineId(line), month, LedgerApi.Pounds(100_00 + ((line * 31 + n * 7 + month) % 900) * 100),
                string.Create(CultureInfo.InvariantCulture, $"INV-{month:D2}-{n:D2}-{line:D3}"), null, EffectiveAt(month, n)))))
            .Chunk(StatementLedger.EntriesPerPosting);

    private static async Task MeasureAsync(AppUnderTest app, StorageUnderTest storage, BenchOptions options, BenchReport report, CancellationToken cancellationToken)
    {
        var administrator = app.ClientFor("bench-admin", [], Role.Administrator);
        var manager = app.ClientFor(BenchPools.Manager, [BenchPools.Council], Role.PoolManager);
        var lead = app.ClientFor("bench-lead", [BenchPools.Council], Role.FinanceLead);
        var lines = options.PoolLines;
        Console.WriteLine($"Setting up {Pool}: {lines} lines, then {lines * MonthsPosted * InvoicesPerLineMonth:N0} dated actuals…");
        var clock = Stopwatch.StartNew();
        var setup = new BenchPools(administrator, manager);
        await setup.CreateOrganisationsAsync(cancellationToken);
        await setup.CreatePoolAsync(Pool, lines, cancellationToken);
        var entries = 0;
        foreach (var posting in Postings(lines))
        {
            await LedgerApi.PostAsync(lead, Pool, posting, cancellationToken);
            entries += posting.Length;
        }
        var knownAt = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        // A late invoice keyed in after the known-at, dated before the as-at: in "as at", not in "as known at".
        await LedgerApi.PostAsync(lead, Pool, [new EntryBody("actual", BenchPools.LineId(0), 7, "1234.56", "LATE-1", null, "2024-11-01T10:00:00Z")],
            cancellationToken);
        Console.WriteLine($"  {entries + 1:N0} entries posted in {clock.Elapsed.TotalSeconds:0.0} s");

        var ledger = storage.Ledger.Tables.GetTableClient(Finance.Storage.StorageNames.LedgerTable);
        var partition = new LedgerPartition(new PoolId(Pool), FinancialYear.Parse(BenchPools.FinancialYear)).PartitionKey;
        // The journal rows, every property: what an as-at statement reads (the id claims and balances it does not).
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {partition} and RowKey ge {JournalPrefix} and RowKey lt {JournalPrefix + "~"}");
        var rows = await RawReadBaseline.CountAsync(ledger, filter, cancellationToken);
        var duration = TimeSpan.FromSeconds(options.Seconds);
        var pids = new RawReadBaseline.Pids(app.WorkerProcessId, storage.AzuritePid);
        var raw = await RawReadBaseline.ConcurrentAsync($"raw: the partition's journal rows ({rows:N0}), every property, {options.Clients} clients", "scans",
            options.Clients, duration, async (_, ct) =>
            {
                var read = await RawReadBaseline.CountAsync(ledger, filter, ct);
                return read == rows ? new LoadAnswer(read) : new LoadAnswer(read, $"{read} rows, not {rows}");
            }, pids, cancellationToken);
        report.Throughputs.Add(raw);
        Console.WriteLine($"  {raw.Measure}: {raw.PerSecond:0.0} scans/s, p50 {raw.LatencyMs?.P50:0} ms, p99 {raw.LatencyMs?.P99:0} ms");

        using var load = app.LoadClientFor(options.Clients, StatementScenario.Viewer, [BenchPools.Icb], Role.PartnerViewer);
        var basePath = $"api/pools/{Pool}/statements/{Year}/{Month}?pence=true";
        var runs = new (string What, string Path)[]
        {
            ("GET statement (as it stands, from the balance rows)", basePath),
            ($"GET statement ?asAt={AsAt} (every entry read)", $"{basePath}&asAt={AsAt}"),
            ($"GET statement ?asAt={AsAt}&knownAt=<before the late invoice>", $"{basePath}&asAt={AsAt}&knownAt={Uri.EscapeDataString(knownAt)}"),
        };
        var figures = new List<long>();
        foreach (var (what, path) in runs)
        {
            var (status, _, _, body) = await load.GetOnceAsync(path, cancellationToken);
            if (status != 200)
            {
                throw new ApiCallFailedException($"GET /{path} answered {status}.", System.Text.Encoding.UTF8.GetString(body));
            }
            figures.Add(JsonDocument.Parse(body).RootElement.GetProperty("totals").GetProperty("ytdActuals").GetProperty("pence").GetInt64());
            var operation = load.Get(path, 200);
            await ClosedLoopLoad.RunAsync(options.Clients, StatementScenario.WarmUp, operation, cancellationToken);
            var cpu = CpuClock.Start(app.WorkerProcessId, storage.AzuritePid);
            var result = await ClosedLoopLoad.RunAsync(options.Clients, duration, operation, cancellationToken);
            var throughput = new Throughput($"{what}, {options.Clients} clients", result.Requests - result.Errors, "responses",
                Math.Round(result.Elapsed.TotalSeconds, 3), result.Requests)
            {
                Errors = result.Errors,
                LatencyMs = result.LatencyMs,
                Cpu = cpu.Stop(),
            }.RelativeTo(raw);
            report.Throughputs.Add(throughput);
            Console.WriteLine($"  {throughput.Measure}: {throughput.PerSecond:0.0} responses/s, p50 {result.LatencyMs?.P50:0} ms, " +
                              $"p99 {result.LatencyMs?.P99:0} ms, {result.Errors} errors");
        }
        // The figures must differ as the times say, or the runs measured the wrong thing.
        if (!(figures[0] > figures[1] && figures[1] - figures[2] == 123_456))
        {
            throw new InvalidOperationException(
                $"YTD actuals now {figures[0]}, as at {figures[1]}, as known at {figures[2]}: the as-at should leave out later invoices and the known-at the late one.");
        }
        report.Notes.Add($"YTD actuals to M{Month}: now {figures[0]} p, as at {AsAt} {figures[1]} p, as known at before the late invoice {figures[2]} p.");
    }
}
