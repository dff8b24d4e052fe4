using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Finance.LocalHost;

public enum WorkerLogSource
{
    /// <summary>An RpcLog message: how the worker logs (it writes nothing to stdout).</summary>
    Worker,
    StandardOutput,
    StandardError,

    /// <summary>The local host's own lines (start-up, routes, restarts).</summary>
    Host,
}

/// <summary>One log line from the worker (or about it), as shown on the console and kept for tests.</summary>
public sealed record WorkerLogLine(
    DateTimeOffset Timestamp,
    LogLevel Level,
    WorkerLogSource Source,
    string Category,
    string Message,
    string? Exception = null,
    string? InvocationId = null,
    string? FunctionName = null)
{
    /// <summary>The console form: time, level, category, function and invocation, message, then the exception indented.</summary>
    public override string ToString()
    {
        var line = new StringBuilder()
            .Append('[').Append(Timestamp.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)).Append("] ")
            .Append(Level).Append(' ').Append(Category);
        if (FunctionName is not null || InvocationId is not null)
        {
            line.Append(" (").Append(FunctionName ?? "?");
            if (InvocationId is not null)
            {
                line.Append(' ').Append(InvocationId);
            }
            line.Append(')');
        }
        line.Append(": ").Append(Message);
        if (Exception is not null)
        {
            foreach (var exceptionLine in Exception.Split('\n'))
            {
                line.Append('\n').Append("    ").Append(exceptionLine.TrimEnd('\r'));
            }
        }
        return line.ToString();
    }
}
