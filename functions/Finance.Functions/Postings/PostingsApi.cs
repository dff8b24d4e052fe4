using System.Text.Json;
using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Functions.Access;
using Finance.Functions.Hosting;
using Finance.Functions.Pools;
using Finance.Functions.Setup;
using Finance.Storage.Ledger;
using NodaTime;

namespace Finance.Functions.Postings;

/// <summary>
/// Posting to a pool's ledger: one entry, a batch (atomic), or the reversal of an entry; and reading the journal. Every
/// POST needs an Idempotency-Key: its first answer is stored in the same transaction as the entries, so a repeat gets
/// that answer and writes nothing, whatever happened in between (a close, a crash, a lost response).
/// </summary>
public static class PostingsApi
{
    public static IEndpointRouteBuilder MapPostingsApi(this IEndpointRouteBuilder app)
    {
        app.MapHttpFunction("PostEntry", "POST", "pools/{poolId}/entries", AuthLevel.Function, AccessRules.PostToPool, PostEntry)
            .WithSummary("Post one entry (actual, prior-year invoice, accrual, forecast outturn, nil return; commitment, release, allocation, contribution, adjustment). Needs an Idempotency-Key.");
        app.MapHttpFunction("PostPosting", "POST", "pools/{poolId}/postings", AuthLevel.Function, AccessRules.PostToPool, PostPosting)
            .WithSummary("Post a batch of entries atomically: all or none. Needs an Idempotency-Key.");
        app.MapHttpFunction("ReverseEntry", "POST", "pools/{poolId}/entries/{entryId}/reversal", AuthLevel.Function, AccessRules.PostToPool, ReverseEntry)
            .WithSummary("Reverse an entry, with a reason, in an open month (by default its own month if open, else the first open month after it). Needs an Idempotency-Key.");
        app.MapHttpFunction("ListEntries", "GET", "pools/{poolId}/entries", AuthLevel.Function, AccessRules.ReadPool, ListEntries)
            .WithSummary("The journal, newest first: filter by line, month, kind, author and source; page with pageSize and continuationToken.");
        app.MapHttpFunction("GetEntry", "GET", "pools/{poolId}/entries/{entryId}", AuthLevel.Function, AccessRules.ReadPool, GetEntry)
            .WithSummary("One journal entry: what it is, who posted it, when and from where.");
        return app;
    }

    public sealed record ReversalBody(string? Reason, int? Month = null, string? Reference = null);

    public sealed record EntryPageResource(IReadOnlyList<EntryResource> Entries, string? ContinuationToken);

    internal static Task<IResult> PostEntry(
        Caller caller, PoolInScope scope, HttpRequest request, PostingService postings, JsonSerializerOptions json, CancellationToken cancellationToken) =>
        postings.PostJsonAsync(caller, scope, request, json, batch: false, cancellationToken);

    internal static Task<IResult> PostPosting(
        Caller caller, PoolInScope scope, HttpRequest request, PostingService postings, JsonSerializerOptions json, CancellationToken cancellationToken) =>
        postings.PostJsonAsync(caller, scope, request, json, batch: true, cancellationToken);

    internal static async Task<IResult> ReverseEntry(
        string entryId, Caller caller, PoolInScope scope, HttpRequest request, PostingService postings, LedgerRepository ledger, IClock clock,
        JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        var (key, keyProblem) = LedgerResults.Key(request);
        if (keyProblem is not null)
        {
            return keyProblem;
        }
        if (scope.Pool is null)
        {
            return Problems.NotFound(PoolsApi.NotFoundDetail(scope.PoolId));
        }
        byte[] bytes;
        ReversalBody body;
        try
        {
            bytes = await JsonBody.ReadBytesAsync(request, JsonBody.DefaultMaxBytes, cancellationToken);
            body = JsonBody.Deserialize<ReversalBody>(bytes, json);
        }
        catch (JsonBodyException e)
        {
            return e.ToResult();
        }
        var errors = new FieldErrors();
        var reason = errors.Text("reason", body.Reason, Finance.Domain.Limits.MaxTextLength, required: true);
        var reference = errors.Text("reference", body.Reference, Finance.Domain.Limits.MaxNameLength);
        var month = errors.Month("month", body.Month, required: false);
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var setup = await postings.SetupAsync(scope.Pool, cancellationToken);
        if (setup is null)
        {
            return LedgerResults.RetryLater(request.HttpContext);
        }
        var (stored, ledgerSetup) = setup.Value;
        var partition = ledgerSetup.Partition;
        var hash = LedgerResults.RequestHash(request, bytes);
        // A repeat of the key answers as the first time did, even once the entry is reversed or the month closed.
        if (await postings.FirstAnswerAsync(partition, key!, caller, hash, request.HttpContext, cancellationToken) is { } first)
        {
            return first;
        }
        var original = await ledger.GetEntryAsync(partition, new EntryId(entryId), cancellationToken);
        if (original is null)
        {
            return Problems.NotFound($"Pool '{scope.PoolId}' has no entry '{entryId}' in {ledgerSetup.Pool.Year}.");
        }
        if (original.Entry.Kind == EntryKind.Reversal)
        {
            return Problems.Status(StatusCodes.Status422UnprocessableEntity, "A reversal cannot be reversed.",
                $"Entry '{entryId}' is itself a reversal (of '{original.Entry.ReversesEntryId}'); post the original entry again instead.");
        }
        var host = original.Entry.Line is { } line ? stored.Line(line.Value)?.Host : null;
        if (PoolAccess.MayPost(caller, stored.Pool.Parties, original.Figure, host) is { } refusal)
        {
            return Problems.Status(StatusCodes.Status403Forbidden, "Forbidden.", refusal);
        }
        var head = await ledger.ReadHeadAsync(partition, cancellationToken);
        FinancialMonth into;
        if (month is { } chosen)
        {
            into = new FinancialMonth(ledgerSetup.Pool.Year, chosen);
            if (into < original.Entry.Month)
            {
                return Problems.Validation("month", $"A reversal of an entry for {original.Entry.Month} cannot be for an earlier month ({into}).");
            }
        }
        else
        {
            var open = Enumerable.Range(original.Entry.Month.Number, 13 - original.Entry.Month.Number)
                .Select(m => new FinancialMonth(ledgerSetup.Pool.Year, m))
                .FirstOrDefault(m => !head.IsClosed(m));
            if (open is null)
            {
                return Problems.Status(StatusCodes.Status409Conflict, "No open month.",
                    $"Every month from {original.Entry.Month} to the end of {ledgerSetup.Pool.Year} is closed; a correction goes into the next year.");
            }
            into = open;
        }
        var reversal = original.Entry.Reverse(
            EntryId.FromGuid(Guid.NewGuid()), into, caller.Id, EntryFields.Now(clock), reason!, EntrySource.Api, reference);
        return await postings.PostAsync(ledgerSetup, [reversal], key!, caller, hash, request.HttpContext, cancellationToken);
    }

    internal static async Task<IResult> ListEntries(
        PoolInScope scope, HttpRequest request, PostingService postings, LedgerRepository ledger, CancellationToken cancellationToken)
    {
        if (scope.Pool is null)
        {
            return Problems.NotFound(PoolsApi.NotFoundDetail(scope.PoolId));
        }
        var year = scope.Pool.Year;
        var query = request.Query;
        var errors = new FieldErrors();
        var line = errors.Id("line", query["line"], required: false);
        var kind = errors.Enum<EntryKind>("kind", query["kind"], required: false);
        int? month = null;
        if (query["month"].Count > 0)
        {
            month = int.TryParse(query["month"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var m)
                ? errors.Month("month", m)
                : Fail(errors, "month", "month is a number, 1 (April) to 12 (March).");
        }
        string? author = null;
        if (!string.IsNullOrEmpty(query["author"]))
        {
            author = Ids.IsPrincipalId(query["author"]) ? query["author"].ToString() : null;
            if (author is null)
            {
                errors.Add("author", $"author is a principal id: {Ids.PrincipalIdRule}.");
            }
        }
        EntrySource? source = null;
        if (!string.IsNullOrEmpty(query["source"]) && !EntrySource.TryParse(query["source"], out source, out var sourceError))
        {
            errors.Add("source", sourceError);
        }
        var pageSize = LedgerLimits.DefaultEntryPageSize;
        if (query["pageSize"].Count > 0
            && (!int.TryParse(query["pageSize"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out pageSize)
                || pageSize is < 1 or > LedgerLimits.MaxEntryPageSize))
        {
            errors.Add("pageSize", $"pageSize is 1 to {LedgerLimits.MaxEntryPageSize}.");
        }
        var token = query["continuationToken"].ToString();
        if (token.Length > 1024)
        {
            errors.Add("continuationToken", "Not a continuation token this API gave.");
        }
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        await postings.EnsureCreatedAsync(cancellationToken);
        EntryPage page;
        try
        {
            page = await ledger.ReadEntriesAsync(new LedgerPartition(new PoolId(scope.PoolId), year), new EntryQuery
            {
                Line = line is null ? null : new LineId(line),
                Kind = kind,
                Month = month is { } number ? new FinancialMonth(year, number) : null,
                Author = author,
                Source = source,
                PageSize = pageSize,
                ContinuationToken = token.Length == 0 ? null : token,
            }, cancellationToken);
        }
        catch (Azure.RequestFailedException e) when (e.Status is 400)
        {
            return Problems.Validation("continuationToken", "Not a continuation token this API gave.");
        }
        return TypedResults.Ok(new EntryPageResource(page.Entries.Select(EntryResource.From).ToList(), page.ContinuationToken));
    }

    internal static async Task<IResult> GetEntry(
        string entryId, PoolInScope scope, PostingService postings, LedgerRepository ledger, CancellationToken cancellationToken)
    {
        if (scope.Pool is null)
        {
            return Problems.NotFound(PoolsApi.NotFoundDetail(scope.PoolId));
        }
        await postings.EnsureCreatedAsync(cancellationToken);
        var partition = new LedgerPartition(new PoolId(scope.PoolId), scope.Pool.Year);
        return await ledger.GetEntryAsync(partition, new EntryId(entryId), cancellationToken) is { } stored
            ? TypedResults.Ok(EntryResource.From(stored))
            : Problems.NotFound($"Pool '{scope.PoolId}' has no entry '{entryId}'.");
    }

    private static int? Fail(FieldErrors errors, string field, string message)
    {
        errors.Add(field, message);
        return null;
    }
}
