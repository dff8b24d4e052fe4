using System.Diagnostics;
using System.Globalization;
using Finance.LocalHost.Logging;
using Microsoft.Extensions.Logging;

namespace Finance.LocalHost.Worker;

/// <summary>
/// One run of the worker process, started as the real host starts it (Workers/Rpc/RpcWorkerProcess, RpcWorkerContext):
/// the host's arguments in both spellings (Worker 2.x reads the --functions- ones), the app folder as working directory,
/// FUNCTIONS_WORKER_DIRECTORY / FUNCTIONS_APPLICATION_DIRECTORY / FUNCTIONS_WORKER_RUNTIME and the app settings in
/// its environment. Its stdout and stderr are relayed line by line.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    /// <summary>The largest gRPC message either side may send; the real host passes this (int.MaxValue).</summary>
    public const int GrpcMaxMessageLength = int.MaxValue;

    /// <summary>Workers still running, killed if this process exits first: the real host takes its workers down with it,
    /// and a test run that never disposed its host (a fixture whose start failed) must not leave workers behind.</summary>
    private static readonly HashSet<WorkerProcess> Running = [];

    private readonly Process process;
    private readonly TaskCompletionSource<int> exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    static WorkerProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        WorkerProcess[] left;
        lock (Running)
        {
            left = [.. Running];
        }
        foreach (var worker in left)
        {
            worker.Kill();
        }
    };

    private WorkerProcess(Process process, string workerId)
    {
        this.process = process;
        WorkerId = workerId;
    }

    public string WorkerId { get; }

    /// <summary>The process id, kept from the start so it can be read after the process is gone.</summary>
    public int Id { get; private set; }

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>Completes with the exit code once the process has exited and its output has been read to the end.</summary>
    public Task<int> Exited => exited.Task;

    public static WorkerProcess Start(
        WorkerLaunch launch,
        string appDirectory,
        Uri grpcUri,
        string workerId,
        IReadOnlyDictionary<string, string> environment,
        HostLog log)
    {
        var requestId = Guid.NewGuid().ToString();
        var maxLength = GrpcMaxMessageLength.ToString(CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo(launch.Executable)
        {
            WorkingDirectory = appDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var argument in launch.Arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var argument in new[]
                 {
                     "--host", grpcUri.Host, "--port", grpcUri.Port.ToString(CultureInfo.InvariantCulture),
                     "--workerId", workerId, "--requestId", requestId, "--grpcMaxMessageLength", maxLength,
                     "--functions-uri", grpcUri.AbsoluteUri, "--functions-worker-id", workerId,
                     "--functions-request-id", requestId, "--functions-grpc-max-message-length", maxLength,
                 })
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var worker = new WorkerProcess(process, workerId);
        process.OutputDataReceived += (_, e) => Relay(log, e.Data, WorkerLogSource.StandardOutput);
        process.ErrorDataReceived += (_, e) => Relay(log, e.Data, WorkerLogSource.StandardError);
        process.Exited += (_, _) => worker.OnExited();
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start the worker: {launch.Executable}.");
        }
        worker.Id = process.Id;
        lock (Running)
        {
            Running.Add(worker);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    public bool HasExited => exited.Task.IsCompleted;

    /// <summary>Kills at once, as a crash would: nothing is flushed, no WorkerTerminate.</summary>
    public void Kill()
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private static void Relay(HostLog log, string? line, WorkerLogSource source)
    {
        if (line is null)
        {
            return;
        }
        var level = source == WorkerLogSource.StandardError ? LogLevel.Error : LogLevel.Information;
        var category = source == WorkerLogSource.StandardError ? "Worker.stderr" : "Worker.stdout";
        log.Write(new WorkerLogLine(DateTimeOffset.UtcNow, level, source, category, line));
    }

    private void OnExited()
    {
        // The parameterless wait returns once the redirected output has been read to its end, so the last lines a
        // crashing worker printed are logged before anyone hears it exited.
        process.WaitForExit();
        lock (Running)
        {
            Running.Remove(this);
        }
        exited.TrySetResult(process.ExitCode);
    }

    public void Dispose()
    {
        Kill();
        process.Dispose();
    }
}
