using System.Security.Cryptography;
using System.Text;
using Finance.Functions.Hosting;
using Finance.Storage.Ledger;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Finance.Functions.Postings;

/// <summary>
/// The Idempotency-Key every POST carries, and the answers the ledger's refusals become. A key is the caller's: the
/// same key from two principals is two keys.
/// </summary>
public static class LedgerResults
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>Set on an answer repeated from the first use of an Idempotency-Key.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    public const int MaxKeyLength = 255;

    /// <summary>The request's Idempotency-Key, or the 400 its absence or shape earns.</summary>
    public static (string? Key, IResult? Problem) Key(HttpRequest request)
    {
        var values = request.Headers[IdempotencyKeyHeader];
        if (values.Count == 0 || string.IsNullOrWhiteSpace(values[0]))
        {
            return (null, Problems.Validation(IdempotencyKeyHeader,
                "Every POST needs an Idempotency-Key header (a unique value such as a GUID), so that sending it again cannot post twice."));
        }
        if (values.Count > 1)
        {
            return (null, Problems.Validation(IdempotencyKeyHeader, "Send one Idempotency-Key."));
        }
        var key = values[0]!;
        if (key.Length > MaxKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            return (null, Problems.Validation(IdempotencyKeyHeader, $"An Idempotency-Key is 1 to {MaxKeyLength} printable ASCII characters without spaces."));
        }
        return (key, null);
    }

    /// <summary>What makes two requests "the same" for an Idempotency-Key: the function, the path and the exact body.</summary>
    public static string RequestHash(HttpRequest request, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}\n"));
        hash.AppendData(body);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The first answer to an Idempotency-Key, repeated.</summary>
    public static IResult Replay(StoredResponse response, HttpContext context)
    {
        context.Response.Headers[ReplayedHeader] = "true";
        return TypedResults.Content(response.Body, response.Status >= 400 ? "application/problem+json" : "application/json", Encoding.UTF8, response.Status);
    }

    /// <summary>The answer to a refusal from the ledger, or null for exceptions that are not refusals.</summary>
    public static IResult? Refusal(LedgerException exception, HttpContext context) => exception switch
    {
        MonthClosedException closed => MonthClosed(closed.Month, closed.Message),
        IdempotencyConflictException => Problem(StatusCodes.Status409Conflict, "Idempotency-Key reused.",
            "This Idempotency-Key was already used for a different request. Use a new key for a new request."),
        DuplicateEntryException duplicate => Problem(StatusCodes.Status409Conflict, "Already posted.", duplicate.Message),
        PostingRefusedException refused => Problem(StatusCodes.Status422UnprocessableEntity, "The posting breaks a ledger rule.",
            string.Join(" ", refused.Problems), new() { ["problems"] = refused.Problems }),
        PostingTooLargeException large => Problem(StatusCodes.Status413PayloadTooLarge, "Too many entries for one posting.",
            $"{large.EntryCount} entries need {large.OperationCount} table operations; one atomic posting holds at most {LedgerLimits.MaxOperationsPerPosting}. "
            + $"Send at most {LedgerLimits.EntriesPerPostingAlwaysFit} entries per posting (up to {LedgerLimits.MaxEntriesPerPosting} when they are on few lines), or upload a CSV.",
            new() { ["maxEntries"] = LedgerLimits.EntriesPerPostingAlwaysFit }),
        LedgerConflictException or StaleSetupException => RetryLater(context),
        _ => null,
    };

    /// <summary>409 naming the closed month, in words and as <c>month</c> ("2024/25 M4") and <c>monthNumber</c>.</summary>
    public static IResult MonthClosed(Finance.Domain.Calendar.FinancialMonth? month, string detail) =>
        Problem(StatusCodes.Status409Conflict, "The month is closed.", detail, new() { ["month"] = month?.ToString(), ["monthNumber"] = month?.Number });

    public static IResult RetryLater(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "1";
        return Problem(StatusCodes.Status503ServiceUnavailable, "The pool is busy.",
            "Other postings to this pool kept getting in first; nothing was posted. Send the same request again with the same Idempotency-Key.");
    }

    private static ProblemHttpResult Problem(int status, string title, string detail, Dictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail, extensions: extensions);
}
