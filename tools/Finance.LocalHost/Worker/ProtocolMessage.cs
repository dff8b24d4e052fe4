namespace Finance.LocalHost;

public enum ProtocolDirection
{
    HostToWorker,
    WorkerToHost,
}

/// <summary>One gRPC message on the worker's stream (RpcLog excepted: those are in the log), for tests and diagnosis.</summary>
public sealed record ProtocolMessage(DateTimeOffset At, ProtocolDirection Direction, string Kind, string RequestId, string? Subject);
