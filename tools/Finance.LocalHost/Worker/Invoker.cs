using System.Diagnostics;
using Finance.LocalHost.Logging;
using Finance.LocalHost.Rpc;
using Microsoft.Extensions.Logging;

namespace Finance.LocalHost.Worker;

/// <summary>
/// Sends InvocationRequests and waits for their InvocationResponse, for HTTP and timer triggers alike: bounded in
/// number (slots, then a bounded queue) and in time, cancelled with InvocationCancel when the caller gives up, and
/// reported as an <see cref="InvocationOutcome"/> (also on the console, as the real host's "Executed" line).
/// </summary>
internal sealed class Invoker(LocalHostOptions options, TimeSpan timeout, HostLog log, Action<InvocationOutcome> completed) : IDisposable
{
    private readonly SemaphoreSlim slots = new(options.MaxConcurrentInvocations, options.MaxConcurrentInvocations);
    private int waiting;

    public TimeSpan Timeout => timeout;

    /// <summary>Takes an invocation slot, waiting if all are busy; null when too many are already waiting.</summary>
    public async Task<IDisposable?> EnterAsync(CancellationToken cancellationToken)
    {
        if (slots.Wait(0, CancellationToken.None))
        {
            return new Slot(slots);
        }
        if (Interlocked.Increment(ref waiting) > options.MaxWaitingRequests)
        {
            Interlocked.Decrement(ref waiting);
            return null;
        }
        try
        {
            await slots.WaitAsync(cancellationToken);
            return new Slot(slots);
        }
        finally
        {
            Interlocked.Decrement(ref waiting);
        }
    }

    /// <param name="beforeSend">Runs after the invocation is registered and before its request is sent: where HTTP
    /// forwarding starts, as the real host forwards the request before sending the InvocationRequest.</param>
    public async Task<InvocationOutcome> InvokeAsync(
        WorkerSession session, HostedFunction function, InvocationRequest request, Action? beforeSend, CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var id = request.InvocationId;
        InvocationStatus status;
        string? failure = null;
        string? exception = null;
        if (session.Catalog.LoadErrors.TryGetValue(function.Name, out var loadError))
        {
            status = InvocationStatus.Failed;
            failure = $"The function failed to load: {loadError}";
        }
        else
        {
            var pending = session.Channel.Expect(id, function.Name);
            try
            {
                beforeSend?.Invoke();
                await session.Channel.SendAsync(new StreamingMessage { InvocationRequest = request }, CancellationToken.None);
                using var cancel = cancellationToken.Register(() => session.Channel.TryCancel(id));
                var response = await pending.Response.Task.WaitAsync(timeout, CancellationToken.None);
                status = response.Result?.Status switch
                {
                    StatusResult.Types.Status.Success => InvocationStatus.Succeeded,
                    StatusResult.Types.Status.Cancelled => InvocationStatus.Cancelled,
                    _ => InvocationStatus.Failed,
                };
                if (status != InvocationStatus.Succeeded && response.Result is not null)
                {
                    failure = WorkerSession.Describe(response.Result);
                    exception = response.Result.Exception?.StackTrace is { Length: > 0 } stack ? stack : null;
                }
            }
            catch (TimeoutException)
            {
                session.Channel.TryCancel(id);
                session.Channel.Forget(id);
                status = InvocationStatus.Failed;
                failure = $"The invocation did not finish within {timeout.TotalSeconds:0} s.";
            }
            catch (WorkerGoneException e)
            {
                session.Channel.Forget(id);
                status = InvocationStatus.Failed;
                failure = $"The invocation was lost: {e.Message}.";
            }
        }

        var outcome = new InvocationOutcome(function.Name, id, function.Trigger, status, startedAt, clock.Elapsed, failure);
        var level = status == InvocationStatus.Succeeded ? LogLevel.Information : LogLevel.Error;
        await log.WriteAsync(new WorkerLogLine(
            DateTimeOffset.UtcNow, level, WorkerLogSource.Host, "Host.Function",
            $"Executed 'Functions.{function.Name}' ({status}, Id={id}, Duration={clock.Elapsed.TotalMilliseconds:0}ms)"
                + (failure is null ? "" : $": {failure}"),
            exception, id, function.Name));
        completed(outcome);
        return outcome;
    }

    public void Dispose() => slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
