using System.Text;
using System.Text.Json;
using Finance.Domain.Ledger;
using Finance.Functions.Access;
using Finance.Functions.Hosting;
using Finance.Functions.Pools;
using Finance.Functions.Setup;
using Finance.Storage;
using Finance.Storage.Ledger;
using Finance.Storage.Pools;
using NodaTime;

namespace Finance.Functions.Postings;

/// <summary>
/// Posts entries to the ledger for the HTTP functions and the CSV import: loads the pool's set-up (cached per pool
/// version), checks each entry and who may post it, and answers with the stored first response of the Idempotency-Key.
/// </summary>
public sealed class PostingService(LedgerStorage storage, LedgerRepository ledger, PoolSetupStore setups, IClock clock, JsonSerializerOptions json)
{
    public Task EnsureCreatedAsync(CancellationToken cancellationToken) => storage.EnsureCreatedAsync(cancellationToken);

    /// <summary>The set-up for the pool version access was decided on; null when the pool changed since (retry).</summary>
    public async Task<(StoredSetup Stored, LedgerSetup Ledger)?> SetupAsync(PoolRecord pool, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken);
        return await setups.ForPostingAsync(pool, cancellationToken);
    }

    /// <summary>POST of one entry (<paramref name="batch"/> false) or of {"entries": [...]}.</summary>
    public async Task<IResult> PostJsonAsync(Caller caller, PoolInScope scope, HttpRequest request, JsonSerializerOptions options, bool batch, CancellationToken cancellationToken)
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
        IReadOnlyList<EntryBody?> bodies;
        try
        {
            bytes = await JsonBody.ReadBytesAsync(request, JsonBody.DefaultMaxBytes, cancellationToken);
            if (batch)
            {
                bodies = JsonBody.Deserialize<PostingBody>(bytes, options).Entries ?? [];
                if (bodies.Count == 0)
                {
                    return Problems.Validation("entries", "entries is required: a list of at least one entry.");
                }
                if (bodies.Count > LedgerLimits.MaxEntriesPerPosting)
                {
                    return Problems.Status(StatusCodes.Status413PayloadTooLarge, "Too many entries for one posting.",
                        $"One atomic posting holds at most {LedgerLimits.MaxEntriesPerPosting} entries ({LedgerLimits.EntriesPerPostingAlwaysFit} when each is on its own line); {bodies.Count} were sent. Send several postings, or upload a CSV.");
                }
            }
            else
            {
                bodies = [JsonBody.Deserialize<EntryBody>(bytes, options)];
            }
        }
        catch (JsonBodyException e)
        {
            return e.ToResult();
        }
        var setup = await SetupAsync(scope.Pool, cancellationToken);
        if (setup is null)
        {
            return LedgerResults.RetryLater(request.HttpContext);
        }
        var (stored, ledgerSetup) = setup.Value;
        var hash = LedgerResults.RequestHash(request, bytes);
        var errors = new FieldErrors();
        var unknown = new FieldErrors();
        var forbidden = new List<string>();
        var entries = EntryFields.Read(bodies, batch ? "entries" : "", stored, ledgerSetup, caller, EntryFields.Now(clock), EntrySource.Api, errors, unknown, forbidden);
        if (errors.Any || unknown.Any || forbidden.Count > 0)
        {
            // A repeat of a key that succeeded gets its first answer, even if the set-up or the caller's rights changed since.
            if (await FirstAnswerAsync(ledgerSetup.Partition, key!, caller, hash, request.HttpContext, cancellationToken) is { } first)
            {
                return first;
            }
            return errors.Any ? Problems.Validation(errors.ToDictionary())
                : unknown.Any ? Problems.Unprocessable(unknown.ToDictionary(), "The posting names something the pool does not have.")
                : Problems.Status(StatusCodes.Status403Forbidden, "Forbidden.", string.Join(" ", forbidden));
        }
        return await PostAsync(ledgerSetup, entries, key!, caller, hash, request.HttpContext, cancellationToken);
    }

    /// <summary>
    /// The answer already given to this caller's Idempotency-Key in the partition: the first response again for the same
    /// request, 409 for another; null when the key is new. For refusals decided before the ledger is asked (which itself
    /// answers a repeat first), so a repeat gets its first answer whatever changed since.
    /// </summary>
    public async Task<IResult?> FirstAnswerAsync(
        LedgerPartition partition, string key, Caller caller, string requestHash, HttpContext context, CancellationToken cancellationToken) =>
        await ledger.GetIdempotencyAsync(partition, key, caller.Id, cancellationToken) is { } first
            ? first.IsSameRequest(requestHash)
                ? LedgerResults.Replay(first.Response, context)
                : LedgerResults.Refusal(new IdempotencyConflictException(first), context)
            : null;

    /// <summary>Posts <paramref name="entries"/> atomically under the caller's Idempotency-Key, answering 201 with the posting.</summary>
    public async Task<IResult> PostAsync(
        LedgerSetup setup, IReadOnlyList<JournalEntry> entries, string key, Caller caller, string requestHash, HttpContext context, CancellationToken cancellationToken)
    {
        try
        {
            var result = await PostAsync(setup, entries, new IdempotencyRequest(key, caller.Id, requestHash, receipt => Respond(setup, entries, receipt)), cancellationToken);
            if (result.Outcome == PostingOutcome.Replayed && result.Response is { } first)
            {
                return LedgerResults.Replay(first, context);
            }
            var response = result.Response ?? Respond(setup, entries, result.Receipt);
            return TypedResults.Content(response.Body, "application/json", Encoding.UTF8, response.Status);
        }
        catch (LedgerException e) when (LedgerResults.Refusal(e, context) is { } refusal)
        {
            return refusal;
        }
    }

    /// <summary>One atomic posting (see <see cref="LedgerRepository.PostAsync"/>).</summary>
    public async Task<PostingResult> PostAsync(LedgerSetup setup, IReadOnlyList<JournalEntry> entries, IdempotencyRequest idempotency, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken);
        return await ledger.PostAsync(setup, entries, idempotency, cancellationToken);
    }

    private StoredResponse Respond(LedgerSetup setup, IReadOnlyList<JournalEntry> entries, PostingReceipt receipt)
    {
        var resource = new PostingResource(
            setup.Pool.Id.Value, setup.Pool.Year.ToString(), receipt.Posting, receipt.FirstSeq, entries.Count, receipt.Net.Value,
            entries.Select((e, i) => EntryResource.From(e, receipt.FirstSeq + i, receipt.Posting)).ToList());
        return new StoredResponse(StatusCodes.Status201Created, JsonSerializer.Serialize(resource, json));
    }

}
