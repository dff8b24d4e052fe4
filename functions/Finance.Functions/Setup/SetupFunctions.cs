using System.Text.Json;
using Finance.Functions.Access;
using Finance.Functions.Catalog;
using Finance.Functions.Http;
using Finance.Storage.Pools;
using Microsoft.Azure.Functions.Worker;

namespace Finance.Functions.Setup;

/// <summary>A pool's set-up: funding streams, the section 75 agreement's terms and lines.</summary>
public sealed class SetupFunctions(SetupService setup, JsonSerializerOptions json)
{
    [Function("PutStream")]
    [JsonRequest(typeof(StreamBody))]
    [Access(Rule.ManagePoolSetup)]
    [Summary("Add or replace one of the pool's funding streams (BCF, iBCF, DFG, winter, place allocation...).")]
    [Responds(typeof(StreamDocument))]
    [Problems(400, 404, 412, 413, 415, 422)]
    public async Task<IResult> PutStream(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "pools/{poolId}/streams/{streamId}")] HttpRequest request, string poolId, string streamId,
        FunctionContext context, CancellationToken cancellationToken)
    {
        var read = await JsonBody.ReadOrRefuseAsync<StreamBody>(request, json, cancellationToken);
        if (!read.Ok)
        {
            return read.Refusal;
        }
        var body = read.Body;
        return Answers.Of(await setup.PutStreamAsync(
            context.Pool(), streamId, body, request.Headers.IfMatch.ToString(), context.Caller(), cancellationToken), request.HttpContext);
    }

    [Function("PutAgreement")]
    [JsonRequest(typeof(AgreementBody))]
    [Access(Rule.ManagePoolSetup)]
    [Summary("Set the section 75 agreement's terms: each partner's agreed contribution per stream, the risk-share rule and the underspend rule.")]
    [Responds(typeof(AgreementDocument))]
    [Problems(400, 404, 412, 413, 415)]
    public async Task<IResult> PutAgreement(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "pools/{poolId}/agreement")] HttpRequest request, string poolId,
        FunctionContext context, CancellationToken cancellationToken)
    {
        var read = await JsonBody.ReadOrRefuseAsync<AgreementBody>(request, json, cancellationToken);
        if (!read.Ok)
        {
            return read.Refusal;
        }
        var body = read.Body;
        return Answers.Of(await setup.PutAgreementAsync(
            context.Pool(), body, request.Headers.IfMatch.ToString(), context.Caller(), cancellationToken), request.HttpContext);
    }

    [Function("PutLine")]
    [JsonRequest(typeof(LineBody))]
    [Access(Rule.ManagePoolSetup)]
    [Summary("Add or replace a budget line (scheme): funding source, title, host, start month, profile. Its budget is committed through the ledger, not set here.")]
    [Responds(typeof(LineResource))]
    [Responds(typeof(LineResource), StatusCodes.Status201Created)]
    [Problems(400, 404, 412, 413, 415, 422)]
    public async Task<IResult> PutLine(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "pools/{poolId}/lines/{lineId}")] HttpRequest request, string poolId, string lineId,
        FunctionContext context, CancellationToken cancellationToken)
    {
        var read = await JsonBody.ReadOrRefuseAsync<LineBody>(request, json, cancellationToken);
        if (!read.Ok)
        {
            return read.Refusal;
        }
        var body = read.Body;
        var outcome = await setup.PutLineAsync(context.Pool(), lineId, body, request.Headers.IfMatch.ToString(), context.Caller(), cancellationToken);
        return Answers.Of(outcome with { Location = request.Path.Value }, request.HttpContext);
    }

    [Function("GetSetup")]
    [Query("asAt", "knownAt")]
    [Access(Rule.ReadPool)]
    [Summary("The pool's set-up: name, streams, agreement and lines, with the set-up version postings are checked against; ?asAt= and ?knownAt= give the versions in effect then, as known then.")]
    [Responds(typeof(SetupResource))]
    [Problems(400, 404)]
    public async Task<IResult> GetSetup(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "pools/{poolId}/setup")] HttpRequest request, string poolId,
        FunctionContext context, CancellationToken cancellationToken) =>
        Answers.Of(
            await setup.GetAsync(context.Pool(), RequestShape.Value(request, "asAt"), RequestShape.Value(request, "knownAt"), cancellationToken),
            request.HttpContext);

    [Function("GetLineHistory")]
    [Access(Rule.ReadPool)]
    [Summary("Every version of a line, newest first: who put it, when, from when it applies (effectiveFrom) and which fields it changed.")]
    [Responds(typeof(LineHistoryResource))]
    [Problems(404)]
    public async Task<IResult> GetLineHistory(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "pools/{poolId}/lines/{lineId}/history")] HttpRequest request, string poolId,
        string lineId, FunctionContext context, CancellationToken cancellationToken) =>
        Answers.Of(await setup.HistoryAsync(context.Pool(), lineId, cancellationToken), request.HttpContext);

    [Function("GetSetupHistory")]
    [Access(Rule.ReadPool)]
    [Summary("Every version of the pool's name, streams and agreement, newest first: which part, who changed it, when, and from when it applies.")]
    [Responds(typeof(SetupHistoryResource))]
    [Problems(404)]
    public async Task<IResult> GetSetupHistory(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "pools/{poolId}/setup/history")] HttpRequest request, string poolId,
        FunctionContext context, CancellationToken cancellationToken) =>
        Answers.Of(await setup.SetupHistoryAsync(context.Pool(), cancellationToken), request.HttpContext);

    [Function("GetStreamHistory")]
    [Access(Rule.ReadPool)]
    [Summary("Every version of a funding stream, newest first: who put it, when, from when it applies (effectiveFrom) and which fields it changed.")]
    [Responds(typeof(StreamHistoryResource))]
    [Problems(404)]
    public async Task<IResult> GetStreamHistory(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "pools/{poolId}/streams/{streamId}/history")] HttpRequest request, string poolId,
        string streamId, FunctionContext context, CancellationToken cancellationToken) =>
        Answers.Of(await setup.StreamHistoryAsync(context.Pool(), streamId, cancellationToken), request.HttpContext);
}
