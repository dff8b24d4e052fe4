using System.Collections.Concurrent;
using System.Threading.Channels;
using Finance.LocalHost.Logging;
using Finance.LocalHost.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Finance.LocalHost.Worker;

/// <summary>The worker's stream closed (it exited, crashed or was killed) before answering.</summary>
internal sealed class WorkerGoneException(string message) : Exception(message);

/// <summary>
/// The host's end of one worker's EventStream. Outgoing messages go through one queue to one writer (a gRPC stream
/// allows one write at a time); incoming replies complete the request that has their request_id, invocation responses
/// the invocation with their invocation_id, and RpcLog lines go to the log. Many invocations run at once.
/// </summary>
internal sealed class WorkerChannel
{
    /// <summary>Messages queued for the worker before senders wait; far above what the invocation limit lets queue.</summary>
    private const int OutboundQueueMessages = 4_096;

    /// <summary>Protocol messages remembered for diagnosis; the oldest go first.</summary>
    private const int TraceCapacity = 1_000;

    private readonly Channel<StreamingMessage> outbound = Channel.CreateBounded<StreamingMessage>(
        new BoundedChannelOptions(OutboundQueueMessages) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> replies = new();
    private readonly ConcurrentDictionary<string, PendingInvocation> invocations = new();
    private readonly TaskCompletionSource connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<ProtocolMessage> trace = new();
    private readonly HostLog log;
    private volatile Exception? closedBecause;
    private int claimed;

    public WorkerChannel(string workerId, HostLog log)
    {
        WorkerId = workerId;
        this.log = log;
    }

    public string WorkerId { get; }

    /// <summary>Completes when the worker has opened its stream and sent StartStream.</summary>
    public Task Connected => connected.Task;

    public IReadOnlyDictionary<string, string> Capabilities { get; private set; } = new Dictionary<string, string>();

    public bool HandlesInvocationCancel => Capabilities.ContainsKey("HandlesInvocationCancelMessage");

    public IReadOnlyList<ProtocolMessage> Trace()
    {
        lock (trace)
        {
            return [.. trace];
        }
    }

    /// <summary>True for the first stream only: the .NET worker opens one, and one writer serves one stream.</summary>
    public bool TryClaim() => Interlocked.Exchange(ref claimed, 1) == 0;

    public void ApplyCapabilities(IReadOnlyDictionary<string, string> capabilities) => Capabilities = capabilities;

    /// <summary>Runs the stream until the worker ends it; called by the gRPC service with the call's reader and writer.</summary>
    public async Task RunAsync(
        IAsyncStreamReader<StreamingMessage> reader, IServerStreamWriter<StreamingMessage> writer, CancellationToken callEnded)
    {
        Record(ProtocolDirection.WorkerToHost, new StreamingMessage { StartStream = new StartStream { WorkerId = WorkerId } });
        connected.TrySetResult();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(callEnded);
        var writing = WriteAllAsync(writer, stop.Token);
        try
        {
            while (await reader.MoveNext(callEnded))
            {
                await DispatchAsync(reader.Current);
            }
            Close("the worker closed its stream");
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or Grpc.Core.RpcException or InvalidOperationException)
        {
            Close($"the worker's stream broke ({e.GetType().Name})");
        }
        finally
        {
            await stop.CancelAsync();
            await writing;
        }
    }

    public async ValueTask SendAsync(StreamingMessage message, CancellationToken cancellationToken = default)
    {
        if (closedBecause is { } reason)
        {
            throw new WorkerGoneException(reason.Message);
        }
        Record(ProtocolDirection.HostToWorker, message);
        try
        {
            await outbound.Writer.WriteAsync(message, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            throw new WorkerGoneException(closedBecause?.Message ?? "the worker's stream is closed");
        }
    }

    /// <summary>Sends a request and waits for the reply that carries its request_id.</summary>
    public async Task<StreamingMessage> RequestAsync(StreamingMessage request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        request.RequestId = Guid.NewGuid().ToString();
        var reply = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        replies[request.RequestId] = reply;
        try
        {
            FailIfClosed(reply);
            await SendAsync(request, cancellationToken);
            return await reply.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The worker did not answer {request.ContentCase} within {timeout.TotalSeconds:0} s.");
        }
        finally
        {
            replies.TryRemove(request.RequestId, out _);
        }
    }

    /// <summary>Registers an invocation before its request is sent, so a fast response cannot arrive unclaimed.</summary>
    public PendingInvocation Expect(string invocationId, string functionName)
    {
        var pending = new PendingInvocation(invocationId, functionName);
        invocations[invocationId] = pending;
        FailIfClosed(pending.Response);
        return pending;
    }

    public void Forget(string invocationId) => invocations.TryRemove(invocationId, out _);

    /// <summary>Asks the worker to cancel an invocation still running (only if it said it handles InvocationCancel);
    /// never throws.</summary>
    public void TryCancel(string invocationId)
    {
        if (!HandlesInvocationCancel || closedBecause is not null || !invocations.ContainsKey(invocationId))
        {
            return;
        }
        var cancel = new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = invocationId } };
        Record(ProtocolDirection.HostToWorker, cancel);
        outbound.Writer.TryWrite(cancel);
    }

    /// <summary>Fails everything still waiting: the worker will not answer any more.</summary>
    public void Close(string reason)
    {
        closedBecause ??= new WorkerGoneException(reason);
        outbound.Writer.TryComplete();
        foreach (var reply in replies.Values)
        {
            reply.TrySetException(new WorkerGoneException(reason));
        }
        foreach (var invocation in invocations.Values)
        {
            invocation.Response.TrySetException(new WorkerGoneException(reason));
        }
    }

    private void FailIfClosed<T>(TaskCompletionSource<T> waiting)
    {
        if (closedBecause is { } reason)
        {
            waiting.TrySetException(new WorkerGoneException(reason.Message));
        }
    }

    private async Task WriteAllAsync(IServerStreamWriter<StreamingMessage> writer, CancellationToken stop)
    {
        try
        {
            await foreach (var message in outbound.Reader.ReadAllAsync(stop))
            {
                await writer.WriteAsync(message, stop);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The stream ended; the reader side reports why.
        }
    }

    private async ValueTask DispatchAsync(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case StreamingMessage.ContentOneofCase.RpcLog:
                await log.WriteAsync(ToLogLine(message.RpcLog));
                return;
            case StreamingMessage.ContentOneofCase.InvocationResponse:
                Record(ProtocolDirection.WorkerToHost, message);
                if (invocations.TryRemove(message.InvocationResponse.InvocationId, out var invocation))
                {
                    invocation.Response.TrySetResult(message.InvocationResponse);
                }
                return;
            default:
                Record(ProtocolDirection.WorkerToHost, message);
                if (replies.TryRemove(message.RequestId, out var reply))
                {
                    reply.TrySetResult(message);
                }
                return;
        }
    }

    private WorkerLogLine ToLogLine(RpcLog rpcLog)
    {
        string? functionName = null;
        if (rpcLog.InvocationId.Length > 0 && invocations.TryGetValue(rpcLog.InvocationId, out var invocation))
        {
            functionName = invocation.FunctionName;
        }
        string? exception = null;
        if (rpcLog.Exception is { } thrown)
        {
            var heading = $"{thrown.Type}: {thrown.Message}".TrimStart(':', ' ');
            exception = thrown.StackTrace.Length > 0 ? heading + "\n" + thrown.StackTrace : heading;
        }
        return new WorkerLogLine(
            DateTimeOffset.UtcNow,
            (LogLevel)(int)rpcLog.Level,
            WorkerLogSource.Worker,
            rpcLog.Category.Length > 0 ? rpcLog.Category : rpcLog.LogCategory.ToString(),
            rpcLog.Message,
            exception,
            rpcLog.InvocationId.Length > 0 ? rpcLog.InvocationId : null,
            functionName);
    }

    private void Record(ProtocolDirection direction, StreamingMessage message)
    {
        var subject = message.ContentCase switch
        {
            StreamingMessage.ContentOneofCase.FunctionLoadRequest => message.FunctionLoadRequest.Metadata?.Name,
            StreamingMessage.ContentOneofCase.FunctionLoadResponse => message.FunctionLoadResponse.FunctionId,
            StreamingMessage.ContentOneofCase.InvocationRequest => message.InvocationRequest.InvocationId,
            StreamingMessage.ContentOneofCase.InvocationResponse => message.InvocationResponse.InvocationId,
            StreamingMessage.ContentOneofCase.InvocationCancel => message.InvocationCancel.InvocationId,
            _ => null,
        };
        var entry = new ProtocolMessage(DateTimeOffset.UtcNow, direction, message.ContentCase.ToString(), message.RequestId, subject);
        lock (trace)
        {
            if (trace.Count == TraceCapacity)
            {
                trace.Dequeue();
            }
            trace.Enqueue(entry);
        }
    }
}

/// <summary>An invocation sent to the worker and not yet answered.</summary>
internal sealed class PendingInvocation(string invocationId, string functionName)
{
    public string InvocationId { get; } = invocationId;

    public string FunctionName { get; } = functionName;

    public TaskCompletionSource<InvocationResponse> Response { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
