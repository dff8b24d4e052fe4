using System.Text.Json;
using System.Text.Json.Nodes;
using NodaTime;
using NodaTime.Text;

namespace Finance.Functions.Hosting;

/// <summary>What the Functions host says when it fires a timer: the timer binding's data from the invocation payload
/// <c>{"Data": {"timer": {...}}, "Metadata": {...}}</c>.</summary>
/// <param name="IsPastDue">The host fired late (for example after downtime): handlers must make a late or second run harmless.</param>
/// <param name="ScheduledLast">When the schedule last fired, when the host knows (<c>ScheduleStatus.Last</c>).</param>
/// <param name="ScheduledNext">When it fires next, when the host knows.</param>
/// <param name="InvokedAt">The host's <c>sys.UtcNow</c>, or the handler's clock when absent.</param>
public sealed record TimerInvocation(string FunctionName, bool IsPastDue, Instant? ScheduledLast, Instant? ScheduledNext, Instant InvokedAt)
{
    /// <summary>The largest invocation payload accepted; the host's timer payloads are a few hundred bytes.</summary>
    public const int MaxPayloadBytes = 64 * 1024;

    /// <summary>Parses the host's payload. Data values may arrive as JSON objects or as JSON text in a string; both occur.</summary>
    public static TimerInvocation Parse(string functionName, JsonNode? payload, Instant now)
    {
        if (payload is not JsonObject root)
        {
            throw new TimerPayloadException("The invocation payload must be a JSON object with 'Data' and 'Metadata'.", "");
        }
        var timer = Unwrap(root["Data"]?[FunctionMetadata.TimerBindingName]);
        if (timer is not JsonObject timerObject)
        {
            throw new TimerPayloadException($"Data.{FunctionMetadata.TimerBindingName} is missing or not an object.", $"Data.{FunctionMetadata.TimerBindingName}");
        }
        var isPastDue = timerObject[nameof(IsPastDue)] switch
        {
            null => false,
            JsonValue v when v.TryGetValue(out bool b) => b,
            _ => throw new TimerPayloadException($"{nameof(IsPastDue)} must be true or false.", $"Data.{FunctionMetadata.TimerBindingName}.IsPastDue"),
        };
        var status = timerObject["ScheduleStatus"] as JsonObject;
        var utcNow = ReadInstant(Unwrap(root["Metadata"]?["sys"]) is JsonObject sys ? sys["UtcNow"] : null, "Metadata.sys.UtcNow");
        return new TimerInvocation(
            functionName,
            isPastDue,
            ReadInstant(status?["Last"], "ScheduleStatus.Last"),
            ReadInstant(status?["Next"], "ScheduleStatus.Next"),
            utcNow ?? now);
    }

    internal static async Task<IResult> HandleAsync(
        string functionName, HttpContext context, Func<TimerInvocation, HttpContext, Task<TimerOutcome>> handler)
    {
        var clock = context.RequestServices.GetRequiredService<IClock>();
        TimerInvocation invocation;
        try
        {
            var body = await JsonBody.ReadNodeAsync(context.Request, MaxPayloadBytes, context.RequestAborted);
            invocation = Parse(functionName, body, clock.GetCurrentInstant());
        }
        catch (TimerPayloadException e)
        {
            return Problems.Validation(e.Field, e.Message);
        }
        catch (JsonBodyException e)
        {
            return e.ToResult();
        }

        var outcome = await handler(invocation, context);
        // The host reads this envelope; Outputs is empty because timer functions here have no output bindings.
        return Results.Json(new InvocationResponse(new Dictionary<string, object?>(), outcome.Logs, outcome.ReturnValue));
    }

    private static JsonNode? Unwrap(JsonNode? node)
    {
        if (node is JsonValue value && value.TryGetValue(out string? text))
        {
            try
            {
                return JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                return node;
            }
        }
        return node;
    }

    private static Instant? ReadInstant(JsonNode? node, string field)
    {
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue value && value.TryGetValue(out string? text))
        {
            // The host writes DateTime values in ISO-8601, with or without an offset and fractional seconds.
            var parsed = OffsetDateTimePattern.ExtendedIso.Parse(text);
            if (parsed.Success)
            {
                return parsed.Value.ToInstant();
            }
            var local = LocalDateTimePattern.ExtendedIso.Parse(text);
            if (local.Success)
            {
                return local.Value.InUtc().ToInstant();
            }
        }
        throw new TimerPayloadException($"{field} must be an ISO-8601 date and time.", field);
    }
}

/// <summary>What a timer handler reports back: lines for the host's log and an optional return value.</summary>
public sealed record TimerOutcome(IReadOnlyList<string> Logs, object? ReturnValue = null);

/// <summary>The custom handler invocation response the Functions host expects.</summary>
public sealed record InvocationResponse(
    [property: System.Text.Json.Serialization.JsonPropertyName("Outputs")] IReadOnlyDictionary<string, object?> Outputs,
    [property: System.Text.Json.Serialization.JsonPropertyName("Logs")] IReadOnlyList<string> Logs,
    [property: System.Text.Json.Serialization.JsonPropertyName("ReturnValue")] object? ReturnValue);

public sealed class TimerPayloadException(string message, string field) : Exception(message)
{
    public string Field { get; } = field;
}
