using System.Diagnostics;
using System.Text;

namespace Finance.Testing;

/// <summary>A process the tests start (Azurite): its output kept for failure messages, bounded, and a stop
/// that takes its children with it.</summary>
public sealed class ChildProcess : IDisposable
{
    /// <summary>Output kept per process; enough for a start-up failure, bounded so a chatty process cannot grow it.</summary>
    private const int MaxOutputChars = 64_000;

    /// <summary>Children still running, stopped if the test run exits first (a fixture whose start failed is never
    /// disposed, and its processes must not outlive the run).</summary>
    private static readonly HashSet<ChildProcess> Running = [];

    private readonly StringBuilder output = new();

    static ChildProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        ChildProcess[] left;
        lock (Running)
        {
            left = [.. Running];
        }
        foreach (var child in left)
        {
            child.Stop();
        }
    };

    private ChildProcess(Process process) => Process = process;

    public Process Process { get; }

    public bool HasExited => Process.HasExited;

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public static ChildProcess Start(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        var child = new ChildProcess(process);
        lock (Running)
        {
            Running.Add(child);
        }
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (output)
        {
            if (output.Length < MaxOutputChars)
            {
                output.AppendLine(line);
            }
        }
    }

    public void Stop()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit(5_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    public void Dispose()
    {
        Stop();
        lock (Running)
        {
            Running.Remove(this);
        }
        Process.Dispose();
    }
}
