using Finance.Functions.Catalog;
using Microsoft.Azure.Functions.Worker;

namespace Finance.Functions.Access;

public sealed record CallerResource(string PrincipalId, IReadOnlyList<string> Roles, IReadOnlyList<string> Organisations);

public sealed class CallerFunctions
{
    [Function("GetCaller")]
    [Access(Rule.AnyCaller)]
    [Summary("Who the API takes the caller to be: principal id, roles and organisations (token and directory together).")]
    [Responds(typeof(CallerResource))]
    public static IResult GetCaller([HttpTrigger(AuthorizationLevel.Function, "get", Route = "me")] HttpRequest request, FunctionContext context)
    {
        var caller = context.Caller();
        return TypedResults.Ok(new CallerResource(
            caller.Id,
            caller.Roles.Order().Select(r => r.ToString()).ToList(),
            caller.Organisations.Order(StringComparer.Ordinal).ToList()));
    }
}
