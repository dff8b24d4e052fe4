using Finance.Benchmarks;
using Finance.Benchmarks.Close;
using Finance.Benchmarks.Harness;
using Finance.Benchmarks.Host;
using Finance.Benchmarks.Posting;
using Finance.Benchmarks.Statement;

// One verb per scenario. A scenario measures and reports; it never fails because a target was missed. The exit code is
// non-zero only when something broke (bad arguments, a process that would not start, an HTTP call answered unexpectedly).
IReadOnlyList<IScenario> scenarios =
[
    new PostingScenario(), new ContentionScenario(), new StatementScenario(), new AsAtScenario(), new CloseScenario(), new HostScenario(),
];

if (args.Length == 0 || args[0] is "-h" or "--help" || scenarios.All(s => s.Verb != args[0]))
{
    Console.Error.WriteLine(BenchOptions.Usage(scenarios));
    return args.Length == 0 || args[0] is "-h" or "--help" ? 0 : 2;
}

var scenario = scenarios.Single(s => s.Verb == args[0]);
if (!BenchOptions.TryParse(scenario, args[1..], out var options, out var problem))
{
    Console.Error.WriteLine(problem);
    Console.Error.WriteLine(BenchOptions.Usage(scenarios));
    return 2;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

var report = new BenchReport(scenario, options);
try
{
    await scenario.RunAsync(options, report, cancellation.Token);
    report.Finish();
    report.Print(Console.Out);
    Console.WriteLine($"Written to {report.Save()}");
    return 0;
}
catch (ApiCallFailedException e)
{
    Broke(e.Message, e.ResponseBody);
    return 1;
}
catch (InvalidOperationException e)
{
    // Azurite, the host or the worker would not start, or a figure failed its own check.
    Broke(e.Message, "");
    return 1;
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    Console.Error.WriteLine("Cancelled.");
    return 130;
}

// What was measured before the break is still worth seeing; it is not saved, as the run is incomplete.
void Broke(string message, string responseBody)
{
    report.Notes.Add("INCOMPLETE: the run broke before it finished; nothing was saved.");
    report.Print(Console.Out);
    Console.Error.WriteLine($"The benchmark broke: {message}");
    if (responseBody.Length > 0)
    {
        Console.Error.WriteLine(responseBody);
    }
}
