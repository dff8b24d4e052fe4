using System.Globalization;
using System.Text.Json;
using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Functions.Access;
using Finance.Functions.Http;
using Finance.Functions.Outcomes;
using Finance.Functions.Pools;
using Finance.Storage;
using Finance.Storage.Ledger;
using Finance.Storage.Pools;
using NodaTime;

namespace Finance.Functions.Postings;

/// <summary>The answer to a posting: the response stored with its Idempotency-Key, and whether this was a repeat.</summary>
public sealed record PostingAnswer(StoredResponse Response, bool Replayed);

public sealed record ReversalBody(string? Reason, int? Month = null, string? Reference = null, string? EffectiveAt = null);

/// <summary>A journal listing as asked for: each filter as its query value (checked here), all optional.</summary>
public sealed record EntryListRequest(
    string? Line, string? Kind, string? Month, string? Author, string? Source, string? PageSize, string? ContinuationToken,
    string? AsAt = null, string? KnownAt = null);

public sealed record EntryPageResource(IReadOnlyList<EntryResource> Entries, string? ContinuationToken);

/// <summary>
/// Posting to a pool's ledger for the HTTP functions and the CSV import: loads the pool's set-up (cached per pool
/// version), checks each entry and who may post it, and answers with the stored first response of the Idempotency-Key,
/// which the ledger writes in the same transaction as the entries, so a repeat gets that answer and writes nothing,
/// whatever happened in between (a close, a crash, a lost response).
/// </summary>
public sealed class PostingService(
    LedgerStorage storage, LedgerRepository ledger, PoolSetupStore setups, ListingTokens tokens, IClock clock, JsonSerializerOptions json)
{
    /// <summary>The set-up for the pool version access was decided on; null when the pool changed since (retry).</summary>
    public async Task<(StoredSetup Stored, LedgerSetup Ledger)?> SetupAsync(PoolRecord pool, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken);
        return await setups.ForPostingAsync(pool, cancellationToken);
    }

    /// <summary>One entry, or a batch posted atomically (every entry or none).</summary>
    public async Task<Outcome<PostingAnswer>> PostAsync(
        PoolInScope scope, Caller caller, IReadOnlyList<EntryBody?> bodies, bool batch, IdempotencyKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(bodies);
        ArgumentNullException.ThrowIfNull(key);
        if (scope.Pool is null)
        {
            return Refusal.NoPool(scope.PoolId);
        }
        if (batch && bodies.Count == 0)
        {
            return Refusal.Invalid("entries", "entries is required: a list of at least one entry.");
        }
        if (bodies.Count > LedgerLimits.MaxEntriesPerPosting)
        {
            return new Refusal(RefusalKind.TooLarge, "Too many entries for one posting.",
                $"One atomic posting holds at most {LedgerLimits.MaxEntriesPerPosting} entries ({LedgerLimits.EntriesPerPostingAlwaysFit} when each is on its own line); {bodies.Count} were sent. Send several postings, or upload a CSV.");
        }
        if (await SetupAsync(scope.Pool, cancellationToken) is not { } setup)
        {
            return LedgerRefusals.Busy;
        }
        var (stored, ledgerSetup) = setup;
        var errors = new FieldErrors();
        var unknown = new FieldErrors();
        var forbidden = new List<string>();
        var entries = EntryFields.Read(bodies, batch ? "entries" : "", stored, ledgerSetup, caller, EntryFields.Now(clock), EntrySource.Api, errors, unknown, forbidden);
        if (errors.Any || unknown.Any || forbidden.Count > 0)
        {
            // A repeat of a key that succeeded gets its first answer, even if the set-up or the caller's rights changed since.
            return await FirstAnswerAsync(ledgerSetup.Partition, key, caller, cancellationToken)
                ?? (errors.Any ? Refusal.Invalid(errors.ToDictionary())
                    : unknown.Any ? Refusal.Unprocessable(unknown.ToDictionary(), "The posting names something the pool does not have.")
                    : Refusal.Forbidden(string.Join(" ", forbidden)));
        }
        return await PostAsync(ledgerSetup, entries, key, caller, cancellationToken);
    }

    /// <summary>Reverses an entry, with a reason, in an open month (see <see cref="ReversalMonths"/>).</summary>
    public async Task<Outcome<PostingAnswer>> ReverseAsync(
        PoolInScope scope, Caller caller, string entryId, ReversalBody body, IdempotencyKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(key);
        if (scope.Pool is null)
        {
            return Refusal.NoPool(scope.PoolId);
        }
        var errors = new FieldErrors();
        var reason = errors.Text("reason", body.Reason, Finance.Domain.Limits.MaxTextLength, required: true);
        var reference = errors.Text("reference", body.Reference, Finance.Domain.Limits.MaxNameLength);
        var month = errors.Month("month", body.Month, required: false);
        var postedAt = EntryFields.Now(clock);
        var effectiveAt = errors.Effective("effectiveAt", body.EffectiveAt, postedAt, scope.Pool.Year);
        if (errors.Any)
        {
            return Refusal.Invalid(errors.ToDictionary());
        }
        if (await SetupAsync(scope.Pool, cancellationToken) is not { } setup)
        {
            return LedgerRefusals.Busy;
        }
        var (stored, ledgerSetup) = setup;
        var partition = ledgerSetup.Partition;
        // A repeat of the key answers as the first time did, even once the entry is reversed or the month closed.
        if (await FirstAnswerAsync(partition, key, caller, cancellationToken) is { } first)
        {
            return first;
        }
        var original = await ledger.GetEntryAsync(partition, new EntryId(entryId), cancellationToken);
        if (original is null)
        {
            return Refusal.NotFound($"Pool '{scope.PoolId}' has no entry '{entryId}' in {ledgerSetup.Pool.Year}.");
        }
        if (original.Entry.Kind == EntryKind.Reversal)
        {
            return new Refusal(RefusalKind.Unprocessable, "A reversal cannot be reversed.",
                $"Entry '{entryId}' is itself a reversal (of '{original.Entry.ReversesEntryId}'); post the original entry again instead.");
        }
        if (original.Entry.Kind == EntryKind.Note)
        {
            return new Refusal(RefusalKind.Unprocessable, "A note is not reversed.", $"Entry '{entryId}' is a note: {EntryKinds.NoteIsNotReversed}");
        }
        var host = original.Entry.Line is { } line ? stored.Line(line.Value)?.Host : null;
        if (PoolAccess.MayPost(caller, stored.Pool.Parties, original.Figure, host) is { } refusal)
        {
            return Refusal.Forbidden(refusal);
        }
        var head = await ledger.ReadHeadAsync(partition, cancellationToken);
        var asked = month is { } number ? new FinancialMonth(ledgerSetup.Pool.Year, number) : null;
        var into = ReversalMonths.For(original.Entry.Month, asked, head.IsClosed, out var problem);
        if (into is null)
        {
            return problem == ReversalMonthProblem.BeforeTheEntry
                ? Refusal.Invalid("month", $"A reversal of an entry for {original.Entry.Month} cannot be for an earlier month ({asked}).")
                : Refusal.Conflict("No open month.",
                    $"Every month from {original.Entry.Month} to the end of {ledgerSetup.Pool.Year} is closed; a correction goes into the next year.");
        }
        if (effectiveAt < original.Entry.EffectiveAt)
        {
            return Refusal.Invalid("effectiveAt",
                $"effectiveAt {effectiveAt} is before entry '{entryId}' took effect ({original.Entry.EffectiveAt}); a reversal cannot take effect first.");
        }
        var reversal = original.Entry.Reverse(
            EntryId.FromGuid(Guid.NewGuid()), into, caller.Id, postedAt, reason!, EntrySource.Api, reference, effectiveAt);
        return await PostAsync(ledgerSetup, [reversal], key, caller, cancellationToken);
    }

    /// <summary>
    /// The answer already given to this caller's Idempotency-Key in the partition: the first response again for the same
    /// request, 409 for another; null when the key is new. For refusals decided before the ledger is asked (which itself
    /// answers a repeat first), so a repeat gets its first answer whatever changed since.
    /// </summary>
    public async Task<Outcome<PostingAnswer>?> FirstAnswerAsync(LedgerPartition partition, IdempotencyKey key, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(caller);
        await storage.EnsureCreatedAsync(cancellationToken);
        return await ledger.GetIdempotencyAsync(partition, key.Key, caller.Id, cancellationToken) is { } first
            ? first.IsSameRequest(key.RequestHash)
                ? Outcome.Of(new PostingAnswer(first.Response, Replayed: true))
                : LedgerRefusals.KeyReused
            : null;
    }

    /// <summary>Posts <paramref name="entries"/> atomically under the caller's Idempotency-Key, answering 201 with the posting.</summary>
    public async Task<Outcome<PostingAnswer>> PostAsync(
        LedgerSetup setup, IReadOnlyList<JournalEntry> entries, IdempotencyKey key, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(caller);
        try
        {
            var result = await PostAsync(setup, entries, new IdempotencyRequest(key.Key, caller.Id, key.RequestHash, receipt => Respond(setup, entries, receipt)),
                cancellationToken);
            if (result.Outcome == PostingOutcome.Replayed && result.Response is { } first)
            {
                return Outcome.Of(new PostingAnswer(first, Replayed: true));
            }
            return Outcome.Of(new PostingAnswer(result.Response ?? Respond(setup, entries, result.Receipt), Replayed: false));
        }
        catch (LedgerException e) when (LedgerRefusals.Of(e) is { } refusal)
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

    /// <summary>The journal, newest first, filtered and paged.</summary>
    public async Task<Outcome<EntryPageResource>> ListAsync(PoolInScope scope, EntryListRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(request);
        if (scope.Pool is null)
        {
            return Refusal.NoPool(scope.PoolId);
        }
        var year = scope.Pool.Year;
        var errors = new FieldErrors();
        var line = errors.Id("line", request.Line, required: false);
        var kind = errors.Enum<EntryKind>("kind", request.Kind, required: false);
        int? month = null;
        if (request.Month is not null)
        {
            month = int.TryParse(request.Month, NumberStyles.None, CultureInfo.InvariantCulture, out var m)
                ? errors.Month("month", m)
                : Fail(errors, "month", "month is a number, 1 (April) to 12 (March).");
        }
        string? author = null;
        if (!string.IsNullOrEmpty(request.Author))
        {
            author = Ids.IsPrincipalId(request.Author) ? request.Author : Fail<string>(errors, "author", $"author is a principal id: {Ids.PrincipalIdRule}.");
        }
        EntrySource? source = null;
        if (!string.IsNullOrEmpty(request.Source) && !EntrySource.TryParse(request.Source, out source, out var sourceError))
        {
            errors.Add("source", sourceError);
        }
        var now = clock.GetCurrentInstant();
        var asAt = errors.Instant("asAt", request.AsAt, now);
        var knownAt = errors.Instant("knownAt", request.KnownAt, now);
        var pageSize = LedgerLimits.DefaultEntryPageSize;
        if (request.PageSize is not null
            && (!int.TryParse(request.PageSize, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > LedgerLimits.MaxEntryPageSize))
        {
            errors.Add("pageSize", $"pageSize is 1 to {LedgerLimits.MaxEntryPageSize}.");
        }
        if (errors.Any)
        {
            return Refusal.Invalid(errors.ToDictionary());
        }
        var partition = new LedgerPartition(new PoolId(scope.PoolId), year);
        // The filters as the listing applies them, for the token: a token is good only for the listing that gave it.
        var filters = string.Join("\n", line ?? "", kind?.ToString() ?? "", month?.ToString(CultureInfo.InvariantCulture) ?? "", author ?? "",
            source?.ToString() ?? "", Ticks(asAt), Ticks(knownAt));
        await storage.EnsureCreatedAsync(cancellationToken);
        long? before = null;
        if (request.ContinuationToken is { } token)
        {
            before = token.Length > 64 ? null : await tokens.ReadAsync(partition, filters, token, cancellationToken);
            if (before is null)
            {
                return Refusal.Invalid("continuationToken",
                    "continuationToken is not one this listing gave: pass the one a page of the same pool, year and filters returned, unchanged.");
            }
        }
        EntryPage page;
        try
        {
            page = await ledger.ReadEntriesAsync(partition, new EntryQuery
            {
                Line = line is null ? null : new LineId(line),
                Kind = kind,
                Month = month is { } number ? new FinancialMonth(year, number) : null,
                Author = author,
                Source = source,
                AsAt = asAt,
                KnownAt = knownAt,
                PageSize = pageSize,
                BeforeSeq = before,
            }, cancellationToken);
        }
        catch (StaleRecordException)
        {
            return LedgerRefusals.Busy;
        }
        var next = page.NextBeforeSeq is { } seq ? await tokens.IssueAsync(partition, filters, seq, cancellationToken) : null;
        return Outcome.Of(new EntryPageResource(page.Entries.Select(EntryResource.From).ToList(), next));
    }

    public async Task<Outcome<EntryResource>> GetEntryAsync(PoolInScope scope, string entryId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (scope.Pool is null)
        {
            return Refusal.NoPool(scope.PoolId);
        }
        await storage.EnsureCreatedAsync(cancellationToken);
        var partition = new LedgerPartition(new PoolId(scope.PoolId), scope.Pool.Year);
        return await ledger.GetEntryAsync(partition, new EntryId(entryId), cancellationToken) is { } stored
            ? Outcome.Of(EntryResource.From(stored))
            : Refusal.NotFound($"Pool '{scope.PoolId}' has no entry '{entryId}'.");
    }

    private StoredResponse Respond(LedgerSetup setup, IReadOnlyList<JournalEntry> entries, PostingReceipt receipt)
    {
        var resource = new PostingResource(
            setup.Pool.Id.Value, setup.Pool.Year.ToString(), receipt.Posting, receipt.FirstSeq, entries.Count, receipt.Net.Value,
            entries.Select((e, i) => EntryResource.From(e, receipt.FirstSeq + i, receipt.Posting)).ToList());
        return new StoredResponse(StatusCodes.Status201Created, JsonSerializer.Serialize(resource, json));
    }

    private static int? Fail(FieldErrors errors, string field, string message) => Fail<int?>(errors, field, message);

    private static string Ticks(Instant? instant) => instant?.ToUnixTimeTicks().ToString(CultureInfo.InvariantCulture) ?? "";

    private static T? Fail<T>(FieldErrors errors, string field, string message)
    {
        errors.Add(field, message);
        return default;
    }
}
