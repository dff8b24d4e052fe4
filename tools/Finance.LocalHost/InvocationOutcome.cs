namespace Finance.LocalHost;

public enum InvocationStatus
{
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>How one invocation ended, as the worker's InvocationResponse (or its absence) told it.</summary>
public sealed record InvocationOutcome(
    string FunctionName,
    string InvocationId,
    FunctionTriggerKind Trigger,
    InvocationStatus Status,
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    string? FailureMessage = null)
{
    public DateTimeOffset EndedAt => StartedAt + Duration;
}
