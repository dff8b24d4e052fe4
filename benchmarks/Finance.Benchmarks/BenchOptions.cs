using System.Globalization;
using Finance.Benchmarks.Harness;

namespace Finance.Benchmarks;

/// <summary>What every scenario is told: how many ledger lines to push through each path.</summary>
internal sealed record BenchOptions(int Lines, bool Quick)
{
    public const int DefaultLines = 10_000;

    public const int QuickLines = 1_000;

    /// <summary>Enough to spread over four concurrent clients and still time something.</summary>
    public const int MinLines = 100;

    /// <summary>The most rows one CSV import takes: the posting scenario imports all its lines as one file.</summary>
    public const int MaxLines = Finance.Functions.Imports.ActualsCsv.MaxRows;

    public static string Usage(IEnumerable<IScenario> scenarios) =>
        "Usage: dotnet run -c Release --project benchmarks/Finance.Benchmarks -- <scenario> [--lines N] [--quick]\n" +
        "Scenarios:\n" +
        string.Concat(scenarios.Select(s => $"  {s.Verb,-10} {s.Summary}\n")) +
        $"Options:\n  --lines N  ledger lines per measured path ({MinLines}-{MaxLines}; default {DefaultLines})\n" +
        $"  --quick    {QuickLines} lines: a smoke run";

    public static bool TryParse(IReadOnlyList<string> args, out BenchOptions options, out string problem)
    {
        int? lines = null;
        var quick = false;
        options = new BenchOptions(DefaultLines, Quick: false);
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--lines" when i + 1 < args.Count
                                    && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                                    && n is >= MinLines and <= MaxLines:
                    lines = n;
                    i++;
                    break;
                case "--lines":
                    problem = $"--lines takes a whole number from {MinLines} to {MaxLines}.";
                    return false;
                default:
                    problem = $"Unknown option {args[i]}.";
                    return false;
            }
        }
        options = new BenchOptions(lines ?? (quick ? QuickLines : DefaultLines), quick);
        problem = "";
        return true;
    }
}
