using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Finance.LocalHost.Logging;

/// <summary>
/// Every line the host shows: kept in a bounded ring for tests, and written to the console in order by one writer.
/// The worker logs only over gRPC, so no line may be dropped on the way to the console: when the console falls behind,
/// the backlog fills and the gRPC reader waits (backpressure) instead of discarding.
/// </summary>
internal sealed class HostLog : IAsyncDisposable
{
    /// <summary>Lines waiting for the console before writers must wait; enough to absorb a burst of worker logs.</summary>
    private const int ConsoleBacklogLines = 10_000;

    /// <summary>Longest message or exception text kept per line, so one huge log call cannot fill the ring.</summary>
    private const int MaxLineChars = 32_000;

    private readonly Queue<WorkerLogLine> recent = new();
    private readonly int recentCapacity;
    private readonly TextWriter? console;
    private readonly Channel<WorkerLogLine>? backlog;
    private readonly Task consoleWriter = Task.CompletedTask;

    public HostLog(TextWriter? console, int recentCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(recentCapacity);
        this.recentCapacity = recentCapacity;
        this.console = console;
        if (console is not null)
        {
            backlog = Channel.CreateBounded<WorkerLogLine>(new BoundedChannelOptions(ConsoleBacklogLines)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
            consoleWriter = Task.Run(WriteConsoleAsync);
        }
    }

    public IReadOnlyList<WorkerLogLine> Snapshot()
    {
        lock (recent)
        {
            return [.. recent];
        }
    }

    public ValueTask WriteAsync(WorkerLogLine line)
    {
        if (line.Message.Length > MaxLineChars || line.Exception?.Length > MaxLineChars)
        {
            line = line with { Message = Cut(line.Message)!, Exception = Cut(line.Exception) };
        }
        Remember(line);
        if (backlog is null || backlog.Writer.TryWrite(line))
        {
            return ValueTask.CompletedTask;
        }
        return WaitToWriteAsync(line);
    }

    /// <summary>For callers that cannot await (process output events): blocks only while the console backlog is full.</summary>
    public void Write(WorkerLogLine line)
    {
        var pending = WriteAsync(line);
        if (!pending.IsCompleted)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }
    }

    public void Host(LogLevel level, string message, string? exception = null) =>
        Write(new WorkerLogLine(DateTimeOffset.UtcNow, level, WorkerLogSource.Host, "Host", message, exception));

    private static string? Cut(string? text) =>
        text is null || text.Length <= MaxLineChars ? text : $"{text[..MaxLineChars]}... ({text.Length - MaxLineChars} more characters)";

    private async ValueTask WaitToWriteAsync(WorkerLogLine line)
    {
        try
        {
            await backlog!.Writer.WriteAsync(line);
        }
        catch (ChannelClosedException)
        {
            // Shutting down: the line is still in the ring.
        }
    }

    private void Remember(WorkerLogLine line)
    {
        lock (recent)
        {
            if (recent.Count == recentCapacity)
            {
                recent.Dequeue();
            }
            recent.Enqueue(line);
        }
    }

    private async Task WriteConsoleAsync()
    {
        await foreach (var line in backlog!.Reader.ReadAllAsync())
        {
            await console!.WriteLineAsync(line.ToString());
            if (backlog.Reader.Count == 0)
            {
                await console.FlushAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        backlog?.Writer.TryComplete();
        await consoleWriter;
    }
}
