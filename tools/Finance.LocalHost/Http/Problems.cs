using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Finance.LocalHost.Http;

/// <summary>
/// The host's own refusals as RFC 9457 problem details (type about:blank, title the status phrase written as the
/// function app writes its titles: "Not found.", so a 404 reads the same whoever answers it). The real host answers
/// these with empty bodies; the status codes are the same.
/// </summary>
internal static class Problems
{
    public const string ContentType = "application/problem+json";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static Task WriteAsync(HttpContext context, int status, string detail)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-store";
        var phrase = ReasonPhrases.GetReasonPhrase(status);
        var title = phrase.Length == 0 ? "Refused." : phrase[..1] + phrase[1..].ToLowerInvariant() + ".";
        var problem = new Problem("about:blank", title, status, detail, context.Request.Path.Value);
        return JsonSerializer.SerializeAsync(response.Body, problem, Json, context.RequestAborted);
    }

    private sealed record Problem(string Type, string Title, int Status, string Detail, string? Instance);
}
