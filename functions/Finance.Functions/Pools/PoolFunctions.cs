using System.Text.Json;
using Finance.Functions.Access;
using Finance.Functions.Catalog;
using Finance.Functions.Http;
using Microsoft.Azure.Functions.Worker;

namespace Finance.Functions.Pools;

public sealed class PoolFunctions(PoolService pools, JsonSerializerOptions json)
{
    [Function("PutPool")]
    [JsonRequest(typeof(PoolBody))]
    [Access(Rule.ManagePool)]
    [Summary("Create a pool, or replace its name, organisations, managers and year. Send If-Match with the ETag to guard against lost updates.")]
    [Responds(typeof(PoolResource))]
    [Responds(typeof(PoolResource), StatusCodes.Status201Created)]
    [Problems(400, 404, 412, 413, 415)]
    public async Task<IResult> PutPool(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "pools/{poolId}")] HttpRequest request, string poolId, FunctionContext context,
        CancellationToken cancellationToken)
    {
        var read = await JsonBody.ReadOrRefuseAsync<PoolBody>(request, json, cancellationToken);
        if (!read.Ok)
        {
            return read.Refusal;
        }
        var body = read.Body;
        var outcome = await pools.PutAsync(context.Pool(), body, request.Headers.IfMatch.ToString(), context.Caller(), cancellationToken);
        return Answers.Of(outcome, request.HttpContext);
    }

    [Function("GetPool")]
    [Access(Rule.ReadPool)]
    [Summary("A pool's name, host and partner organisations, managers and financial year.")]
    [Responds(typeof(PoolResource))]
    [Problems(404)]
    public static IResult GetPool(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "pools/{poolId}")] HttpRequest request, string poolId, FunctionContext context) =>
        Answers.Of(PoolService.Get(context.Pool()), request.HttpContext);
}
