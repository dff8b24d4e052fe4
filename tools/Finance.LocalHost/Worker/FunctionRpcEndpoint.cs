using System.Collections.Concurrent;
using Finance.LocalHost.Rpc;
using Grpc.Core;

namespace Finance.LocalHost.Worker;

/// <summary>Channels waiting for their worker to connect, by the worker id passed on its command line.</summary>
internal sealed class WorkerChannels
{
    private readonly ConcurrentDictionary<string, WorkerChannel> waiting = new(StringComparer.Ordinal);

    public void Add(WorkerChannel channel) => waiting[channel.WorkerId] = channel;

    public void Remove(WorkerChannel channel) => waiting.TryRemove(new KeyValuePair<string, WorkerChannel>(channel.WorkerId, channel));

    public WorkerChannel? Find(string workerId) => waiting.GetValueOrDefault(workerId);
}

/// <summary>
/// The FunctionRpc service the worker dials (h2c on loopback). The first message must be StartStream naming a worker
/// this host launched; the call then stays open for the worker's lifetime.
/// </summary>
internal sealed class FunctionRpcEndpoint(WorkerChannels channels) : FunctionRpc.FunctionRpcBase
{
    public override async Task EventStream(
        IAsyncStreamReader<StreamingMessage> requestStream,
        IServerStreamWriter<StreamingMessage> responseStream,
        ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken))
        {
            return;
        }
        var first = requestStream.Current;
        if (first.ContentCase != StreamingMessage.ContentOneofCase.StartStream)
        {
            throw new Grpc.Core.RpcException(new Status(StatusCode.FailedPrecondition, "The first message must be StartStream."));
        }
        var channel = channels.Find(first.StartStream.WorkerId)
            ?? throw new Grpc.Core.RpcException(new Status(StatusCode.NotFound,
                $"No worker {first.StartStream.WorkerId} was started by this host."));
        if (!channel.TryClaim())
        {
            throw new Grpc.Core.RpcException(new Status(StatusCode.AlreadyExists,
                $"Worker {first.StartStream.WorkerId} already has a stream; the local host serves one stream per worker."));
        }
        await channel.RunAsync(requestStream, responseStream, context.CancellationToken);
    }
}
