namespace Finance.LocalHost;

public enum FunctionTriggerKind
{
    Http,
    Timer,

    /// <summary>A trigger the local host does not fire (queue, blob, ...): loaded into the worker, never invoked.</summary>
    Other,
}

/// <summary>The HTTP trigger's authLevel. The host, not the worker, enforces it.</summary>
public enum FunctionAuthLevel
{
    Anonymous,
    User,
    Function,
    System,
    Admin,
}

/// <summary>One function as the worker declared it in its metadata.</summary>
public sealed record HostedFunction
{
    public required string Name { get; init; }

    /// <summary>The worker's id for the function; invocations name it.</summary>
    public required string FunctionId { get; init; }

    public required FunctionTriggerKind Trigger { get; init; }

    /// <summary>The trigger binding's type as declared, e.g. httpTrigger, timerTrigger, queueTrigger.</summary>
    public required string TriggerType { get; init; }

    /// <summary>The trigger binding's name (the parameter the worker binds the trigger's input to).</summary>
    public required string TriggerBindingName { get; init; }

    /// <summary>HTTP: the full route template the front door matches, route prefix included (e.g. api/echo/{id}).</summary>
    public string? Route { get; init; }

    /// <summary>HTTP: the methods allowed, upper case; null allows any.</summary>
    public IReadOnlyList<string>? Methods { get; init; }

    public FunctionAuthLevel AuthLevel { get; init; } = FunctionAuthLevel.Function;

    /// <summary>Timer: the schedule as declared, %Name% unresolved.</summary>
    public string? DeclaredSchedule { get; init; }

    /// <summary>Timer: the schedule with %Name% resolved from app settings; null when a setting it names is missing.</summary>
    public string? Schedule { get; init; }

    public bool RunOnStartup { get; init; }

    /// <summary>Timer: whether schedule status (Last, Next) is kept and sent; the real host's rule turns it off for
    /// schedules that fire more than once a minute.</summary>
    public bool UseMonitor { get; init; }

    public required string EntryPoint { get; init; }

    public required string ScriptFile { get; init; }
}
