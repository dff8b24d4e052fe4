using System.Threading.Channels;

namespace Finance.Functions.Imports;

/// <summary>
/// Runs accepted imports in the background of the handler process, two at a time, and at start-up picks up any import a
/// previous process left unfinished. The <c>ResumeImports</c> timer and reading an import whose runner has gone quiet
/// queue them again, so an import finishes even if the instance that accepted it is gone.
/// </summary>
public sealed partial class ImportWorker(ImportRunner runner, ILogger<ImportWorker> logger) : BackgroundService
{
    private const int Parallelism = 2;

    private readonly Channel<(string PoolId, string ImportId)> queue =
        Channel.CreateBounded<(string, string)>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropWrite });

    [LoggerMessage(Level = LogLevel.Error, Message = "Import {ImportId} of pool {PoolId} stopped; it resumes on the next sweep")]
    private static partial void Stopped(ILogger logger, Exception exception, string importId, string poolId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not look for unfinished imports; the next sweep will")]
    private static partial void SweepFailed(ILogger logger, Exception exception);

    /// <summary>Queues an import; one already running or finished is left alone when its turn comes.</summary>
    public void Enqueue(string poolId, string importId) => queue.Writer.TryWrite((poolId, importId));

    /// <summary>Queues every unfinished import. Returns how many there were.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var unfinished = await runner.UnfinishedAsync(cancellationToken);
        foreach (var (poolId, importId) in unfinished)
        {
            Enqueue(poolId, importId);
        }
        return unfinished.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await SweepAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            SweepFailed(logger, e);
        }
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
