using Finance.Functions.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Finance.Functions.Access;

public static class CallerApi
{
    public static IEndpointRouteBuilder MapCallerApi(this IEndpointRouteBuilder app)
    {
        app.MapHttpFunction("GetCaller", "GET", "me", AuthLevel.Function, AccessRule.AnyCaller, GetCaller)
            .WithSummary("Who the API takes the caller to be: principal id, roles and organisations (token and directory together).");
        return app;
    }

    public sealed record CallerResource(string PrincipalId, IReadOnlyList<string> Roles, IReadOnlyList<string> Organisations);

    internal static Ok<CallerResource> GetCaller(Caller caller) => TypedResults.Ok(new CallerResource(
        caller.Id,
        caller.Roles.Order().Select(r => r.ToString()).ToList(),
        caller.Organisations.Order(StringComparer.Ordinal).ToList()));
}
