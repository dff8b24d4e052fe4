using System.Text;
using Finance.Functions.Outcomes;
using Finance.Storage.Ledger;

namespace Finance.Functions.Http;

/// <summary>
/// The one place a service's <see cref="Outcome{T}"/> becomes an HTTP answer: refusals as RFC 9457 problem+json with
/// the status their kind means, values as JSON with the status of how they came about, ETag and Location as headers.
/// </summary>
public static class Answers
{
    /// <summary>Set on an answer repeated from the first use of an Idempotency-Key.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    public static IResult Of<T>(Outcome<T> outcome, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(http);
        if (outcome.Refusal is { } refusal)
        {
            return Problem(refusal, http);
        }
        if (outcome.Version is { } version)
        {
            http.Response.Headers.ETag = version;
        }
        return outcome.Done switch
        {
            Done.Created => TypedResults.Created(outcome.Location, outcome.Value),
            Done.Accepted => Accepted(outcome, http),
            Done.NoContent => TypedResults.NoContent(),
            _ => TypedResults.Ok(outcome.Value),
        };
    }

    /// <summary>A refusal as problem+json: 400 with <c>errors</c> naming each field, the other kinds with their status.</summary>
    public static IResult Problem(Refusal refusal, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        ArgumentNullException.ThrowIfNull(http);
        if (refusal.Kind == RefusalKind.Invalid)
        {
            var errors = refusal.Errors?.ToDictionary(e => e.Key, e => e.Value) ?? new Dictionary<string, string[]>();
            return TypedResults.ValidationProblem(errors, title: refusal.Title, detail: refusal.Detail);
        }
        if (refusal.Kind == RefusalKind.Busy)
        {
            http.Response.Headers.RetryAfter = "1";
        }
        var extensions = new Dictionary<string, object?>(refusal.Extensions ?? new Dictionary<string, object?>());
        if (refusal.Errors is { } named)
        {
            extensions["errors"] = named;
        }
        return TypedResults.Problem(statusCode: Status(refusal.Kind), title: refusal.Title, detail: refusal.Detail, extensions: extensions);
    }

    /// <summary>The first answer to an Idempotency-Key, exactly as it was given; marked when it is a repeat.</summary>
    public static IResult Stored(StoredResponse response, bool replayed, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(http);
        if (replayed)
        {
            http.Response.Headers[ReplayedHeader] = "true";
        }
        return TypedResults.Content(response.Body, response.Status >= 400 ? "application/problem+json" : "application/json", Encoding.UTF8, response.Status);
    }

    public static int Status(RefusalKind kind) => kind switch
    {
        RefusalKind.Invalid => StatusCodes.Status400BadRequest,
        RefusalKind.NotFound => StatusCodes.Status404NotFound,
        RefusalKind.Forbidden => StatusCodes.Status403Forbidden,
        RefusalKind.Unprocessable => StatusCodes.Status422UnprocessableEntity,
        RefusalKind.Conflict => StatusCodes.Status409Conflict,
        RefusalKind.PreconditionFailed => StatusCodes.Status412PreconditionFailed,
        RefusalKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        RefusalKind.Busy => StatusCodes.Status503ServiceUnavailable,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a kind of refusal."),
    };

    private static Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<T> Accepted<T>(Outcome<T> outcome, HttpContext http)
    {
        if (outcome.Location is { } location)
        {
            http.Response.Headers.Location = location;
        }
        return TypedResults.Json(outcome.Value, statusCode: StatusCodes.Status202Accepted);
    }
}
