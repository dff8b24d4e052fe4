using System.Threading.Channels;

namespace Finance.Functions.Imports;

/// <summary>
/// Runs accepted imports in the background of the worker process, two at a time. Work in the background of a function
/// app is not guaranteed to finish (the platform may stop an idle instance), so nothing depends on it: the
/// <c>ResumeImports</c> timer, which the host fires on one instance, and reading an import whose runner has gone quiet
/// queue unfinished imports again, so an import finishes even if the instance that accepted it is gone. There is no
/// sweep at start-up: every instance would run it at once, and the timer does it on one.
/// </summary>
public sealed partial class ImportWorker(ImportRunner runner, ILogger<ImportWorker> logger) : BackgroundService
{
    private const int Parallelism = 2;

    private readonly Channel<(string PoolId, string ImportId)> queue =
        Channel.CreateBounded<(string, string)>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropWrite });

    [LoggerMessage(Level = LogLevel.Error, Message = "Import {ImportId} of pool {PoolId} stopped; it resumes on the next sweep")]
    private static partial void Stopped(ILogger logger, Exception exception, string importId, string poolId);

    /// <summary>Queues an import; one already running or finished is left alone when its turn comes.</summary>
    public void Enqueue(string poolId, string importId) => queue.Writer.TryWrite((poolId, importId));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Parallel.ForEachAsync(queue.Reader.ReadAllAsync(stoppingToken), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = stoppingToken },
            async (item, cancellationToken) =>
            {
                try
                {
                    await runner.RunAsync(item.PoolId, item.ImportId, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Stopped(logger, e, item.ImportId, item.PoolId);
                }
            });
    }
}
