using Finance.LocalHost;

CommandLine command;
try
{
    command = CommandLine.Parse(args);
}
catch (Exception e) when (e is ArgumentException or IOException or System.Text.Json.JsonException or InvalidDataException)
{
    await Console.Error.WriteLineAsync(e.Message);
    await Console.Error.WriteLineAsync("Run with --help for the options.");
    return 2;
}

switch (command.Verb)
{
    case "help":
        Console.WriteLine(CommandLine.Usage);
        return 0;
    case "measure":
        await Measurement.RunAsync(command.Options, command.MeasureRuns, command.MeasureRequests, Console.Out);
        return 0;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
    {
        context.Cancel = true;
        stop.Cancel();
    });

FunctionsHost host;
try
{
    host = await FunctionsHost.StartAsync(command.Options, stop.Token);
}
catch (Exception e) when (e is InvalidOperationException or IOException or OperationCanceledException)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 1;
}

await using (host)
{
    Console.WriteLine($"Functions served at {host.BaseAddress}; Ctrl+C stops the host and the worker.");
    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token);
    }
    catch (OperationCanceledException)
    {
        Console.WriteLine("Stopping: WorkerTerminate sent to the worker.");
    }
}
return 0;
