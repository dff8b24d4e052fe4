using System.Text.Json;
using Finance.Functions.Access;
using Finance.Functions.Catalog;
using Finance.Functions.Http;
using Finance.Functions.Outcomes;
using Microsoft.Azure.Functions.Worker;

namespace Finance.Functions.Postings;

/// <summary>
/// Posting to a pool's ledger: one entry, a batch (atomic), or the reversal of an entry; and reading the journal. Every
/// POST needs an Idempotency-Key.
/// </summary>
public sealed class PostingFunctions(PostingService postings, JsonSerializerOptions json)
{
    [Function("PostEntry")]
    [JsonRequest(typeof(EntryBody))]
    [Access(Rule.PostToPool)]
    [Summary("Post one entry (actual, prior-year invoice, accrual, forecast outturn, nil return; commitment, release, allocation, contribution, adjustment). Needs an Idempotency-Key.")]
    [Responds(typeof(PostingResource), StatusCodes.Status201Created)]
    [Problems(400, 403, 404, 409, 413, 415, 422)]
    public Task<IResult> PostEntry(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "pools/{poolId}/entries")] HttpRequest request, string poolId, FunctionContext context,
        CancellationToken cancellationToken) =>
        PostAsync(request, context, batch: false, cancellationToken);

    [Function("PostPosting")]
    [JsonRequest(typeof(PostingBody))]
    [Access(Rule.PostToPool)]
    [Summary("Post a batch of entries atomically: all or none. Needs an Idempotency-Key.")]
    [Responds(typeof(PostingResource), StatusCodes.Status201Created)]
    [Problems(400, 403, 404, 409, 413, 415, 422)]
    public Task<IResult> PostPosting(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "pools/{poolId}/postings")] HttpRequest request, string poolId, FunctionContext context,
        CancellationToken cancellationToken) =>
        PostAsync(request, context, batch: true, cancellationToken);

    [Function("ReverseEntry")]
    [JsonRequest(typeof(ReversalBody))]
    [Access(Rule.PostToPool)]
    [Summary("Reverse an entry, with a reason, in an open month (by default its own month if open, else the first open month after it). Needs an Idempotency-Key.")]
    [Responds(typeof(PostingResource), StatusCodes.Status201Created)]
    [Problems(400, 403, 404, 409, 413, 415, 422)]
    public async Task<IResult> ReverseEntry(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "pools/{poolId}/entries/{entryId}/reversal")] HttpRequest request, string poolId,
        string entryId, FunctionContext context, CancellationToken cancellationToken)
    {
        var (key, refusal) = IdempotencyKeys.Read(request);
        if (refusal is not null)
        {
            return Answers.Problem(refusal, request.HttpContext);
        }
        byte[] bytes;
        ReversalBody body;
        try
        {
            bytes = await JsonBody.ReadJsonBytesAsync(request, JsonBody.DefaultMaxBytes, cancellationToken);
            body = JsonBody.Deserialize<ReversalBody>(bytes, json);
        }
        catch (JsonBodyException e)
        {
            return e.ToResult();
        }
        var outcome = await postings.ReverseAsync(context.Pool(), context.Caller(), entryId, body, IdempotencyKeys.For(key!, request, bytes), cancellationToken);
        return Answer(outcome, request.HttpContext);
    }

    [Function("ListEntries")]
    [Query("line", "kind", "month", "author", "source", "asAt", "knownAt", "pageSize", "continuationToken")]
    [Access(Rule.ReadPool)]
    [Summary("The journal, newest first: filter by line, month, kind, author and source, by effective time (asAt: what had happened by then) and recorded time (knownAt: what had been posted by then); page with pageSize and continuationToken.")]
    [Responds(typeof(EntryPageResource))]
    [Problems(400, 404)]
    public async Task<IResult> ListEntries(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "pools/{poolId}/entries")] HttpRequest request, string poolId, FunctionContext context,
        CancellationToken cancellationToken)
    {
        string? Value(string name) => RequestShape.Value(request, name);
        var listing = new EntryListRequest(Value("line"), Value("kind"), Value("month"), Value("author"), Value("source"), Value("pageSize"),
            Value("continuationToken"), Value("asAt"), Value("knownAt"));
        return Answers.Of(await postings.ListAsync(context.Pool(), listing, cancellationToken), request.HttpContext);
    }

    [Function("GetEntry")]
    [Access(Rule.ReadPool)]
    [Summary("One journal entry: what it is, who posted it, when and from where.")]
    [Responds(typeof(EntryResource))]
    [Problems(404)]
    public async Task<IResult> GetEntry(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "pools/{poolId}/entries/{entryId}")] HttpRequest request, string poolId, string entryId,
        FunctionContext context, CancellationToken cancellationToken) =>
        Answers.Of(await postings.GetEntryAsync(context.Pool(), entryId, cancellationToken), request.HttpContext);

    private async Task<IResult> PostAsync(HttpRequest request, FunctionContext context, bool batch, CancellationToken cancellationToken)
    {
        var (key, refusal) = IdempotencyKeys.Read(request);
        if (refusal is not null)
        {
            return Answers.Problem(refusal, request.HttpContext);
        }
        if (context.Pool().Pool is null)
        {
            return Answers.Problem(Refusal.NoPool(context.Pool().PoolId), request.HttpContext);
        }
        byte[] bytes;
        IReadOnlyList<EntryBody?> bodies;
        try
        {
            bytes = await JsonBody.ReadJsonBytesAsync(request, JsonBody.DefaultMaxBytes, cancellationToken);
            bodies = batch ? JsonBody.Deserialize<PostingBody>(bytes, json).Entries ?? [] : [JsonBody.Deserialize<EntryBody>(bytes, json)];
        }
        catch (JsonBodyException e)
        {
            return e.ToResult();
        }
        var outcome = await postings.PostAsync(context.Pool(), context.Caller(), bodies, batch, IdempotencyKeys.For(key!, request, bytes), cancellationToken);
        return Answer(outcome, request.HttpContext);
    }

    private static IResult Answer(Outcome<PostingAnswer> outcome, HttpContext http) =>
        outcome.Value is { } answer ? Answers.Stored(answer.Response, answer.Replayed, http) : Answers.Problem(outcome.Refusal!, http);
}
