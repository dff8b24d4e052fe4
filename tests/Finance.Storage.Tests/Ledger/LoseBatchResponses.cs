using Azure.Core;
using Azure.Core.Pipeline;

namespace Finance.Storage.Tests.Ledger;

/// <summary>When armed, loses the response to the next successful $batch (the transaction was committed), as a dropped
/// connection would: Azure.Core then resends it.</summary>
internal sealed class LoseBatchResponses : HttpPipelinePolicy
{
    private int armed;
    private int lost;

    public int Lost => lost;

    public void Arm() => Interlocked.Exchange(ref armed, 1);

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline);
        if (message.Request.Uri.ToUri().AbsolutePath.EndsWith("/$batch", StringComparison.Ordinal)
            && message.Response.Status == 202 && Interlocked.Exchange(ref armed, 0) == 1)
        {
            Interlocked.Increment(ref lost);
            throw new IOException("The connection closed before the response arrived (test).");
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();
}

/// <summary>Records the path of every request sent, for tests that must see which rows were read.</summary>
internal sealed class RecordRequests : HttpPipelinePolicy
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> paths = new();

    public IReadOnlyList<string> Paths => [.. paths];

    public void Clear() => paths.Clear();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        paths.Enqueue($"{message.Request.Method} {Uri.UnescapeDataString(message.Request.Uri.ToUri().AbsolutePath)}");
        await ProcessNextAsync(message, pipeline);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();
}

/// <summary>Records the body of every entity group transaction sent, for tests that must see what a posting wrote.</summary>
internal sealed class RecordBatchBodies : HttpPipelinePolicy
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> bodies = new();

    public IReadOnlyList<string> Bodies => [.. bodies];

    public void Clear() => bodies.Clear();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (message.Request.Uri.ToUri().AbsolutePath.EndsWith("/$batch", StringComparison.Ordinal) && message.Request.Content is { } content)
        {
            using var buffer = new MemoryStream();
            await content.WriteToAsync(buffer, message.CancellationToken);
            bodies.Enqueue(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        }
        await ProcessNextAsync(message, pipeline);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();
}
