using System.Diagnostics;
using System.Text.Json;
using Azure.Data.Tables;
using Finance.Benchmarks.Harness;
using Finance.Benchmarks.Posting;
using Finance.Domain.Principals;

namespace Finance.Benchmarks.Statement;

/// <summary>
/// How fast partners get a budget statement: a 200-line pool with eight months posted, its statement requested by many
/// clients at once for a fixed time (as wrk would), beside the raw Azurite reads of the same rows in the same run. Open
/// month as JSON and as XLSX, a repeat with If-None-Match (304), and a closed month; the worker's memory and the
/// processor time of the worker, Azurite and the benchmark (with the local host in it) per run.
/// </summary>
internal sealed class StatementScenario : IScenario
{
    /// <summary>The issue's targets for an open month; a closed month should do better still.</summary>
    public const double TargetPerSecond = 1_000;

    public const double TargetP99Ms = 50;

    /// <summary>Each load run is preceded by this much of the same load, unmeasured: JIT, connections, caches.</summary>
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);

    /// <summary>The raw concurrent reads run this long at most (the sequential ones are counted, not timed).</summary>
    public static readonly TimeSpan MaxRawConcurrentRun = TimeSpan.FromSeconds(5);

    public const string Pool = "bench-statement";

    public const string Viewer = "bench-viewer";

    /// <summary>The month served open, and the one served closed (months 1 to it are closed when the app can).</summary>
    public const int OpenMonth = StatementLedger.MonthsPosted;

    public const int ClosedMonth = OpenMonth - 1;

    /// <summary>The XLSX run lasts this share of the others: each response is a workbook built afresh.</summary>
    public const int XlsxDurationDivisor = 3;

    private static readonly string Year = BenchPools.FinancialYear.Replace('/', '-');

    public string Verb => "statement";

    public string Summary => "raw Azurite scans vs GET /statements under load (JSON, XLSX, If-None-Match, closed month)";

    public IReadOnlyList<string> Options { get; } = [BenchOptions.SecondsOption, BenchOptions.ClientsOption, BenchOptions.PoolLinesOption];

    public static string StatementPath(int month, string format) => $"api/pools/{Pool}/statements/{Year}/{month}?format={format}";

    public async Task RunAsync(BenchOptions options, BenchReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(report);

        await using var storage = await StorageUnderTest.StartAsync();
        await using var app = await AppUnderTest.StartAsync(storage.Azurite, report, cancellationToken);
        await app.MeasureAsync(
            () => MeasureAsync(new Measured(app, storage.AzuritePid, report, options), storage.Ledger.Tables, cancellationToken), cancellationToken);
    }

    /// <summary>What every run reports to, the processes whose time it reads, and how long and wide it runs.</summary>
    private sealed record Measured(AppUnderTest App, int? AzuritePid, BenchReport Report, BenchOptions Options)
    {
        public TimeSpan Duration => TimeSpan.FromSeconds(Options.Seconds);
    }

    private static async Task MeasureAsync(Measured measured, TableServiceClient tables, CancellationToken cancellationToken)
    {
        var (app, azuritePid, report, options) = measured;
        var administrator = app.ClientFor("bench-admin", [], Role.Administrator);
        var manager = app.ClientFor(BenchPools.Manager, [BenchPools.Council], Role.PoolManager);
        var lead = app.ClientFor("bench-lead", [BenchPools.Council], Role.FinanceLead);

        Progress($"Setting up {Pool}: {options.PoolLines} lines with commitments, then months 1-{StatementLedger.MonthsPosted} posted…");
        var clock = Stopwatch.StartNew();
        var setup = new BenchPools(administrator, manager);
        await setup.CreateOrganisationsAsync(cancellationToken);
        await setup.CreatePoolAsync(Pool, options.PoolLines, cancellationToken);
        var (postings, entries) = await StatementLedger.PostAsync(lead, Pool, options.PoolLines, cancellationToken);
        Progress($"  {entries} entries in {postings} postings; set-up took {clock.Elapsed.TotalSeconds:0.0} s");

        var rawFor = TimeSpan.FromSeconds(Math.Min(options.Seconds, MaxRawConcurrentRun.TotalSeconds));
        Progress($"Raw baseline: the same rows straight from Azurite ({RawReadBaseline.SequentialReads} sequential reads each, then {options.Clients} clients for {rawFor.TotalSeconds:0} s)…");
        var raw = await RawReadBaseline.RunAsync(tables, Pool, BenchPools.FinancialYear, options.PoolLines, options.Clients, rawFor, new RawReadBaseline.Pids(app.WorkerProcessId, azuritePid), cancellationToken);
        foreach (var run in raw.Runs)
        {
            report.Throughputs.Add(run);
            Progress($"  {run.Measure}: {run.PerSecond:0} {run.Unit}/s, p50 {run.LatencyMs?.P50:0.0} ms, p99 {run.LatencyMs?.P99:0.0} ms");
        }

        // The load runs read as a partner viewer of the ICB: the reader the statement is for.
        var load = app.LoadClientFor(options.Clients, Viewer, [BenchPools.Icb], Role.PartnerViewer);
        var endpoint = new Endpoint(measured, load, raw.ConcurrentBalanceScan);

        var openJson = StatementPath(OpenMonth, "json");
        var first = await CheckJsonAsync(load, openJson, OpenMonth, options.PoolLines, expectClosed: false, cancellationToken);
        var open = await endpoint.RunAsync($"GET statement m{OpenMonth} (open), JSON {Kb(first.Bytes)}", openJson, 200, null, measured.Duration, cancellationToken);

        var xlsx = StatementPath(OpenMonth, "xlsx");
        var workbookBytes = await CheckWorkbookAsync(load, xlsx, cancellationToken);
        var xlsxFor = TimeSpan.FromSeconds(Math.Max(1, options.Seconds / XlsxDurationDivisor));
        await endpoint.RunAsync($"GET statement m{OpenMonth} (open), XLSX {Kb(workbookBytes)}", xlsx, 200, null, xlsxFor, cancellationToken);

        await CheckNotModifiedAsync(load, openJson, first.ETag, cancellationToken);
        await endpoint.RunAsync($"GET statement m{OpenMonth} (open), If-None-Match: 304", openJson, 304, first.ETag, measured.Duration, cancellationToken);

        var closedJson = StatementPath(ClosedMonth, "json");
        var close = await CloseMonthsAsync(administrator, manager, load, cancellationToken);
        report.Notes.Add($"Closed month: {close.Detail}.");
        Progress($"Closed month: {close.Detail}");
        var closed = await CheckJsonAsync(load, closedJson, ClosedMonth, options.PoolLines, expectClosed: close.Closed, cancellationToken);
        var label = close.Closed
            ? $"GET statement m{ClosedMonth} (closed), JSON {Kb(closed.Bytes)}"
            : $"GET statement m{ClosedMonth}, closed month: not yet supported (served like an open month), JSON {Kb(closed.Bytes)}";
        await endpoint.RunAsync(label, closedJson, 200, null, measured.Duration, cancellationToken, fasterThan: close.Closed ? open : null);
    }

    /// <summary>One endpoint's load run: warm-up, then the measured run with the worker's memory and every process's
    /// processor time, reported beside the raw concurrent scan.</summary>
    private sealed class Endpoint(Measured measured, LoadHttpClient load, Throughput rawScan)
    {
        public async Task<Throughput> RunAsync(
            string what, string path, int expectedStatus, string? ifNoneMatch, TimeSpan duration, CancellationToken cancellationToken, Throughput? fasterThan = null)
        {
            var (app, azuritePid, report, options) = measured;
            var measure = $"{what}, {options.Clients} clients";
            Progress($"{measure}: {WarmUp.TotalSeconds:0} s warm-up, then {duration.TotalSeconds:0} s…");
            var operation = load.Get(path, expectedStatus, ifNoneMatch);
            await ClosedLoopLoad.RunAsync(options.Clients, WarmUp, operation, cancellationToken);

            var memory = MemorySampler.Start(app.WorkerProcessId);
            LoadResult result;
            CpuUse cpu;
            await using (memory)
            {
                var clock = CpuClock.Start(app.WorkerProcessId, azuritePid);
                result = await ClosedLoopLoad.RunAsync(options.Clients, duration, operation, cancellationToken);
                cpu = clock.Stop();
                report.Memory.Add(await memory.StopAsync(measure, targetMb: null));
            }
            var throughput = new Throughput(measure, result.Requests - result.Errors, "responses", Math.Round(result.Elapsed.TotalSeconds, 3), result.Requests)
            {
                Errors = result.Errors,
                LatencyMs = result.LatencyMs,
                Cpu = cpu,
            }.RelativeTo(rawScan).WithTargets(TargetPerSecond, TargetP99Ms);
            if (fasterThan is not null)
            {
                throughput = throughput.WithTargetFasterThan(fasterThan, "open month");
            }
            report.Throughputs.Add(throughput);
            if (result.Errors > 0)
            {
                report.Notes.Add($"{measure}: {result.Errors} of {result.Requests} requests were not answered {expectedStatus}; the first: {result.FirstError}");
            }
            Progress($"  {throughput.PerSecond:0} responses/s, p50 {result.LatencyMs?.P50:0.0} ms, p99 {result.LatencyMs?.P99:0.0} ms, max {result.LatencyMs?.Max:0.0} ms, {result.Errors} errors; " +
                     $"CPU ms/request: worker {throughput.WorkerCpuMsPerRequest:0.00}, Azurite {throughput.AzuriteCpuMsPerRequest:0.00}");
            return throughput;
        }
    }

    /// <summary>Closes months 1 to <see cref="ClosedMonth"/> through the app's close function, if it has one.</summary>
    private static async Task<MonthClose.Outcome> CloseMonthsAsync(ApiClient administrator, ApiClient manager, LoadHttpClient load, CancellationToken cancellationToken)
    {
        var (route, detail) = await MonthClose.FindAsync(administrator, Pool, Year, cancellationToken);
        if (route is null)
        {
            return new MonthClose.Outcome(false, detail);
        }
        Progress($"Closing months 1-{ClosedMonth} ({detail})…");
        return await MonthClose.CloseAsync(manager, route, detail, ClosedMonth, async ct =>
        {
            var (status, _, _, body) = await load.GetOnceAsync(StatementPath(ClosedMonth, "json"), ct);
            return status == 200 && JsonDocument.Parse(body).RootElement.TryGetProperty("monthClosed", out var c) && c.ValueKind == JsonValueKind.True;
        }, cancellationToken);
    }

    /// <summary>
    /// One statement read before its run: 200, an ETag, and figures that match what was posted (every line, the month
    /// asked for, its closed flag, YTD actuals to the penny). A statement that does not would make the run's figures
    /// meaningless.
    /// </summary>
    private static async Task<(string ETag, int Bytes)> CheckJsonAsync(
        LoadHttpClient load, string path, int month, int lines, bool expectClosed, CancellationToken cancellationToken)
    {
        var (status, etag, _, body) = await load.GetOnceAsync(path, cancellationToken);
        var text = System.Text.Encoding.UTF8.GetString(body);
        if (status != 200 || etag is null)
        {
            throw new ApiCallFailedException($"GET /{path} as {Viewer} answered {status}{(etag is null ? " without an ETag" : "")}.", text);
        }
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        var rows = root.TryGetProperty("rows", out var r) && r.ValueKind == JsonValueKind.Array ? r.GetArrayLength() : -1;
        var shownMonth = root.TryGetProperty("month", out var m) && m.TryGetInt32(out var number) ? number : -1;
        var closed = root.TryGetProperty("monthClosed", out var c) && c.ValueKind == JsonValueKind.True;
        var ytdActuals = root.TryGetProperty("totals", out var totals) && totals.TryGetProperty("ytdActuals", out var ytd)
                         && ytd.TryGetProperty("pence", out var pence) && pence.TryGetInt64(out var value) ? value : long.MinValue;
        var expected = StatementLedger.YtdActualsPence(month, lines);
        if (rows != lines || shownMonth != month || closed != expectClosed || ytdActuals != expected)
        {
            throw new InvalidOperationException(
                $"GET /{path}: the statement shows {rows} rows, month {shownMonth}, monthClosed {closed}, YTD actuals {ytdActuals} pence; " +
                $"expected {lines} rows, month {month}, monthClosed {expectClosed}, {expected} pence.");
        }
        return (etag, body.Length);
    }

    private static async Task<int> CheckWorkbookAsync(LoadHttpClient load, string path, CancellationToken cancellationToken)
    {
        var (status, _, contentType, body) = await load.GetOnceAsync(path, cancellationToken);
        // An XLSX file is a zip: it starts "PK".
        if (status != 200 || contentType != Finance.Functions.Statements.StatementWorkbook.ContentType || body.Length < 2 || body[0] != 'P' || body[1] != 'K')
        {
            throw new ApiCallFailedException($"GET /{path} as {Viewer} answered {status} {contentType} ({body.Length} bytes), not a workbook.",
                status == 200 ? "" : System.Text.Encoding.UTF8.GetString(body));
        }
        return body.Length;
    }

    private static async Task CheckNotModifiedAsync(LoadHttpClient load, string path, string etag, CancellationToken cancellationToken)
    {
        var answer = await load.Get(path, 304, etag)(0, cancellationToken);
        if (answer.Error is not null)
        {
            throw new ApiCallFailedException($"GET /{path} with If-None-Match: {etag} answered {answer.Error}, not 304.", "");
        }
    }

    private static string Kb(int bytes) => FormattableString.Invariant($"{bytes / 1024.0:0.0} KB");

    private static void Progress(FormattableString message) => Console.WriteLine(FormattableString.Invariant(message));

    private static void Progress(string message) => Console.WriteLine(message);
}
