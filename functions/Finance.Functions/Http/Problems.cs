namespace Finance.Functions.Http;

/// <summary>RFC 9457 problem details, the only shape errors leave the app in.</summary>
public static class Problems
{
    /// <summary>A 400 naming the field at fault, in the <c>errors</c> member ASP.NET Core's validation problems use.</summary>
    public static IResult Validation(string field, string message, string title = "The request is not valid.") =>
        Validation(new Dictionary<string, string[]> { [field] = [message] }, title);

    public static IResult Validation(IDictionary<string, string[]> errors, string title = "The request is not valid.") =>
        TypedResults.ValidationProblem(errors, title: title, detail: string.Join(" ", errors.Select(e => $"{(e.Key.Length == 0 ? "body" : e.Key)}: {string.Join(" ", e.Value)}")));

    /// <summary>A 422: the request is well formed but names things that do not exist or breaks a rule; <c>errors</c> as for 400.</summary>
    public static IResult Unprocessable(IDictionary<string, string[]> errors, string title) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status422UnprocessableEntity, title: title,
            detail: string.Join(" ", errors.Select(e => $"{(e.Key.Length == 0 ? "body" : e.Key)}: {string.Join(" ", e.Value)}")),
            extensions: new Dictionary<string, object?> { ["errors"] = errors });

    public static IResult Status(int status, string title, string? detail = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);

    public static IResult NotFound(string what) => Status(StatusCodes.Status404NotFound, "Not found.", what);
}
