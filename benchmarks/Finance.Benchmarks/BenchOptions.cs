using System.Globalization;
using Finance.Benchmarks.Harness;

namespace Finance.Benchmarks;

/// <summary>
/// What a scenario is told. Each scenario takes only the options it names (<see cref="IScenario.Options"/>); the others
/// keep their defaults and are not reported. <c>--quick</c> shortens whichever it takes.
/// </summary>
/// <param name="Lines">posting: ledger lines pushed through each path.</param>
/// <param name="Seconds">statement, host: how long each load run lasts (after its warm-up).</param>
/// <param name="Clients">statement: concurrent clients, each sending its next request as soon as the last is answered.</param>
/// <param name="Starts">host: cold starts of each app.</param>
/// <param name="PoolLines">statement, asat: lines of the pool whose statement is drawn.</param>
internal sealed record BenchOptions(int Lines, int Seconds, int Clients, int Starts, bool Quick, int PoolLines = BenchOptions.DefaultPoolLines)
{
    public const string LinesOption = "--lines";
    public const string SecondsOption = "--seconds";
    public const string ClientsOption = "--clients";
    public const string StartsOption = "--starts";
    public const string QuickOption = "--quick";
    public const string PoolLinesOption = "--pool-lines";

    public const int DefaultPoolLines = Statement.StatementLedger.DefaultLines;

    public const int MinPoolLines = 1;

    public const int MaxPoolLines = Finance.Domain.Limits.MaxLinesPerPool;

    public const int DefaultLines = 10_000;

    public const int QuickLines = 1_000;

    /// <summary>Enough to spread over four concurrent clients and still time something.</summary>
    public const int MinLines = 100;

    /// <summary>The most rows one CSV import takes: the posting scenario imports all its lines as one file.</summary>
    public const int MaxLines = Finance.Functions.Imports.ActualsCsv.MaxRows;

    public const int DefaultSeconds = 30;

    public const int QuickSeconds = 5;

    /// <summary>Long enough that a run is not over before its clients have all connected.</summary>
    public const int MinSeconds = 1;

    /// <summary>Ten minutes: a run is a measurement, not a soak test.</summary>
    public const int MaxSeconds = 600;

    public const int DefaultClients = 32;

    public const int MinClients = 1;

    /// <summary>Far beyond what a 2-core machine can serve; each client is one connection.</summary>
    public const int MaxClients = 512;

    public const int DefaultStarts = 5;

    public const int QuickStarts = 3;

    public const int MinStarts = 1;

    /// <summary>Each start is a new worker process; beyond this a run measures patience, not start-up.</summary>
    public const int MaxStarts = 50;

    public static BenchOptions Defaults { get; } = new(DefaultLines, DefaultSeconds, DefaultClients, DefaultStarts, Quick: false);

    public static string Usage(IEnumerable<IScenario> scenarios) =>
        "Usage: dotnet run -c Release --project benchmarks/Finance.Benchmarks -- <scenario> [options]\n" +
        "Scenarios:\n" +
        string.Concat(scenarios.Select(s => $"  {s.Verb,-10} {s.Summary}\n" + $"  {"",-10} options: {string.Join(' ', s.Options.Append(QuickOption))}\n")) +
        "Options:\n" +
        $"  {LinesOption} N    ledger lines per measured path ({MinLines}-{MaxLines}; default {DefaultLines}; {QuickOption}: {QuickLines})\n" +
        $"  {SecondsOption} N  seconds per load run, after a warm-up ({MinSeconds}-{MaxSeconds}; default {DefaultSeconds}; {QuickOption}: {QuickSeconds})\n" +
        $"  {ClientsOption} N  concurrent clients ({MinClients}-{MaxClients}; default {DefaultClients})\n" +
        $"  {PoolLinesOption} N  lines of the statement's pool ({MinPoolLines}-{MaxPoolLines}; default {DefaultPoolLines})\n" +
        $"  {StartsOption} N   cold starts of each app ({MinStarts}-{MaxStarts}; default {DefaultStarts}; {QuickOption}: {QuickStarts})\n" +
        $"  {QuickOption}      a smoke run";

    /// <summary>Reads the options <paramref name="scenario"/> takes; any other option is a problem.</summary>
    public static bool TryParse(IScenario scenario, IReadOnlyList<string> args, out BenchOptions options, out string problem)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(args);
        int? lines = null;
        int? seconds = null;
        int? clients = null;
        int? starts = null;
        int? poolLines = null;
        var quick = false;
        options = Defaults;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name == QuickOption)
            {
                quick = true;
                continue;
            }
            var range = name switch
            {
                LinesOption => (Min: MinLines, Max: MaxLines),
                SecondsOption => (Min: MinSeconds, Max: MaxSeconds),
                ClientsOption => (Min: MinClients, Max: MaxClients),
                StartsOption => (Min: MinStarts, Max: MaxStarts),
                PoolLinesOption => (Min: MinPoolLines, Max: MaxPoolLines),
                _ => (Min: 0, Max: -1),
            };
            if (range.Max < 0)
            {
                problem = $"Unknown option {name}.";
                return false;
            }
            if (!scenario.Options.Contains(name))
            {
                problem = $"{scenario.Verb} does not take {name}.";
                return false;
            }
            if (i + 1 >= args.Count
                || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                || value < range.Min || value > range.Max)
            {
                problem = $"{name} takes a whole number from {range.Min} to {range.Max}.";
                return false;
            }
            i++;
            switch (name)
            {
                case LinesOption:
                    lines = value;
                    break;
                case SecondsOption:
                    seconds = value;
                    break;
                case StartsOption:
                    starts = value;
                    break;
                case PoolLinesOption:
                    poolLines = value;
                    break;
                default:
                    clients = value;
                    break;
            }
        }
        options = new BenchOptions(
            lines ?? (quick ? QuickLines : DefaultLines),
            seconds ?? (quick ? QuickSeconds : DefaultSeconds),
            clients ?? DefaultClients,
            starts ?? (quick ? QuickStarts : DefaultStarts),
            quick,
            poolLines ?? DefaultPoolLines);
        problem = "";
        return true;
    }
}
