namespace Finance.Benchmarks.Harness;

/// <summary>One benchmark verb (posting, statement; later close): it sets up what it needs, measures, and reports.
/// Each lives in its own folder beside <c>Harness/</c> and is listed once in Program.cs.</summary>
/// <remarks>A scenario adds each figure to the report as soon as it has it, so a run that breaks half-way still shows
/// what it measured.</remarks>
internal interface IScenario
{
    /// <summary>The command-line verb.</summary>
    string Verb { get; }

    /// <summary>One line for the usage text.</summary>
    string Summary { get; }

    /// <summary>The options it takes besides <c>--quick</c> (<see cref="BenchOptions.LinesOption"/> and so on); the
    /// report shows these.</summary>
    IReadOnlyList<string> Options { get; }

    Task RunAsync(BenchOptions options, BenchReport report, CancellationToken cancellationToken);
}
