using System.Text.Json;
using Finance.Functions.Access;
using Finance.Functions.Catalog;
using Finance.Functions.Http;
using Microsoft.Azure.Functions.Worker;

namespace Finance.Functions.Memberships;

/// <summary>The directory of memberships, kept by Administrators.</summary>
public sealed class MembershipFunctions(MembershipService memberships, JsonSerializerOptions json)
{
    private const string Principals = "directory/principals";

    [Function("ListMemberships")]
    [Access(Rule.ReadDirectory)]
    [Summary("Every principal's memberships, at most a thousand; the list says when it was cut short.")]
    [Responds(typeof(MembershipList))]
    public async Task<IResult> ListMemberships(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Principals)] HttpRequest request, CancellationToken cancellationToken) =>
        TypedResults.Ok(await memberships.ListAsync(cancellationToken));

    [Function("GetMembership")]
    [Access(Rule.ReadDirectory)]
    [Summary("One principal's organisations and roles as the directory records them.")]
    [Responds(typeof(MembershipResource))]
    [Problems(404)]
    public async Task<IResult> GetMembership(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Principals + "/{principalId}")] HttpRequest request, string principalId,
        CancellationToken cancellationToken) =>
        Answers.Of(await memberships.GetAsync(principalId, cancellationToken), request.HttpContext);

    [Function("PutMembership")]
    [JsonRequest(typeof(MembershipBody))]
    [Access(Rule.MaintainDirectory)]
    [Summary("Set a principal's organisations and roles (replacing what was recorded).")]
    [Responds(typeof(MembershipResource))]
    [Problems(400, 413, 415)]
    public async Task<IResult> PutMembership(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = Principals + "/{principalId}")] HttpRequest request, string principalId,
        FunctionContext context, CancellationToken cancellationToken)
    {
        var read = await JsonBody.ReadOrRefuseAsync<MembershipBody>(request, json, cancellationToken);
        if (!read.Ok)
        {
            return read.Refusal;
        }
        var body = read.Body;
        return Answers.Of(await memberships.PutAsync(principalId, body, context.Caller(), cancellationToken), request.HttpContext);
    }

    [Function("DeleteMembership")]
    [Access(Rule.MaintainDirectory)]
    [Summary("Remove a principal from the directory; its token's roles and organisations still apply.")]
    [Responds(null, StatusCodes.Status204NoContent)]
    public async Task<IResult> DeleteMembership(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = Principals + "/{principalId}")] HttpRequest request, string principalId,
        CancellationToken cancellationToken)
    {
        await memberships.DeleteAsync(principalId, cancellationToken);
        return TypedResults.NoContent();
    }
}
