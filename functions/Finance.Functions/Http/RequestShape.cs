using Finance.Functions.Catalog;

namespace Finance.Functions.Http;

/// <summary>
/// What every HTTP function's request must be, checked from its declaration before it runs: the query parameters it
/// reads and no others, each at most once and never empty (an empty or repeated value is ambiguous, so it is refused,
/// never taken for "now" or "all"); and a JSON body, when it reads one, sent as JSON.
/// </summary>
public static class RequestShape
{
    /// <summary>The function key, which callers may send as <c>?code=</c> instead of a header.</summary>
    public const string FunctionKeyParameter = "code";

    /// <summary>
    /// The refusal of a request that is not of its function's declared shape, or null. A declared JSON body is read
    /// here (and kept with the request for the function) and refused when it is not JSON or names a property twice.
    /// </summary>
    public static async Task<IResult?> ProblemAsync(HttpTriggerDeclaration http, HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(request);
        if (QueryProblem(http, request.Query) is { } problem)
        {
            return problem;
        }
        if (http.Body is not { } body || (body.Optional && !HasBody(request)))
        {
            return null;
        }
        try
        {
            // Its Content-Type, size and names checked by the one reader of JSON bodies, and kept with the request
            // once read, so the function does not read or check it again.
            await JsonBody.ReadJsonBytesAsync(request, JsonBody.DefaultMaxBytes, cancellationToken);
        }
        catch (JsonBodyException e)
        {
            return e.ToResult();
        }
        return null;
    }

    /// <summary>A query value as the function reads it: null when not given (a repeated or empty one was refused).</summary>
    public static string? Value(HttpRequest request, string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Query.TryGetValue(name, out var values) ? values.ToString() : null;
    }

    private static IResult? QueryProblem(HttpTriggerDeclaration http, IQueryCollection query)
    {
        foreach (var (given, values) in query)
        {
            var name = given;
            if (string.Equals(name, FunctionKeyParameter, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            // Query names match whatever their case (as ASP.NET Core reads them); a refusal uses the declared spelling.
            if (http.Query.FirstOrDefault(q => string.Equals(q, name, StringComparison.OrdinalIgnoreCase)) is not { } declared)
            {
                var takes = http.Query.Count == 0 ? "it takes none" : $"it takes {string.Join(", ", http.Query)}";
                return Problems.Validation(name, $"'{name}' is not a query parameter of this request; {takes}.");
            }
            name = declared;
            if (values.Count > 1)
            {
                return Problems.Validation(name, $"'{name}' is given {values.Count} times; give it once.");
            }
            if (string.IsNullOrWhiteSpace(values[0]))
            {
                return Problems.Validation(name, $"'{name}' is empty; give a value, or leave it out.");
            }
        }
        return null;
    }

    /// <summary>Whether the request carries a body at all.</summary>
    public static bool HasBody(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0;
    }
}
