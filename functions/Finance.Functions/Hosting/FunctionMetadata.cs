namespace Finance.Functions.Hosting;

/// <summary>The Functions host's authorization level for an HTTP function (function.json <c>authLevel</c>).</summary>
public enum AuthLevel
{
    Anonymous,
    Function,
    Admin,
}

/// <summary>What starts a function: an HTTP request or a timer.</summary>
public abstract record FunctionTrigger;

/// <param name="Route">Route template below the host's route prefix (<c>api</c>), e.g. <c>pools/{poolId}</c>.</param>
/// <param name="Methods">Upper-case HTTP verbs.</param>
public sealed record HttpFunctionTrigger(string Route, IReadOnlyList<string> Methods, AuthLevel AuthLevel) : FunctionTrigger;

/// <param name="Schedule">An NCRONTAB expression (six fields, UTC) or <c>%SettingName%</c> naming the app setting holding one.</param>
public sealed record TimerFunctionTrigger(string Schedule, bool RunOnStartup = false) : FunctionTrigger;

/// <summary>
/// A function as the Functions host knows it. Attached to the endpoint that serves it, so the mapped routes are the
/// single source of both what the handler answers and what <c>function.json</c> declares.
/// </summary>
public sealed record FunctionMetadata(string Name, FunctionTrigger Trigger)
{
    /// <summary>The host's default HTTP route prefix; host.json keeps it.</summary>
    public const string RoutePrefix = "api";

    /// <summary>The binding name a timer's data arrives under in the invocation payload.</summary>
    public const string TimerBindingName = "timer";
}
