using System.Text.Json;
using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Functions.Access;
using Finance.Functions.Http;
using Finance.Storage.Ledger;
using Finance.Storage.Pools;
using NodaTime;

namespace Finance.Functions.Postings;

/// <summary>One entry as a client posts it. The month is the financial month (1 = April) of the pool's year.</summary>
/// <param name="Amount">In pounds: a string ("1,234.56", "(12.00)", "-5") or a JSON number, read exactly.</param>
/// <param name="AdjustsKind">For an adjustment: the kind of figure it changes.</param>
/// <param name="EffectiveAt">When what the entry records happened (an approval, an invoice's date), an instant at or
/// before now and no earlier than the start of the financial year before the pool's; left out, when it is posted.</param>
public sealed record EntryBody(
    string? Kind,
    string? Line = null,
    int? Month = null,
    JsonElement? Amount = null,
    string? Reference = null,
    string? Memo = null,
    string? Stream = null,
    string? Partner = null,
    string? AdjustsKind = null,
    string? Reason = null,
    string? EffectiveAt = null);

/// <summary>A batch posted atomically: every entry is applied, or none.</summary>
public sealed record PostingBody(IReadOnlyList<EntryBody?>? Entries);

/// <summary>An entry as the API shows it: what it is, who posted it, when and from where.</summary>
public sealed record EntryResource(
    string Id,
    long Seq,
    long Posting,
    string Kind,
    string? Line,
    string? Stream,
    string? Partner,
    int Month,
    string Period,
    long AmountPence,
    string Amount,
    string? Reference,
    string? Memo,
    string? ReversesEntryId,
    string? AdjustsKind,
    string? Reason,
    string Author,
    Instant PostedAt,
    string Source,
    Instant EffectiveAt)
{
    public static EntryResource From(StoredEntry stored) => From(stored.Entry, stored.Seq, stored.Posting);

    public static EntryResource From(JournalEntry e, long seq, long posting) => new(
        e.Id.Value, seq, posting, SetupJson.Name(e.Kind), e.Line?.Value, e.Stream?.Value, e.Partner?.Value, e.Month.Number, e.Month.ToString(),
        e.Amount.Value, e.Amount.ToPoundsAndPenceString(), e.Reference, e.Memo, e.ReversesEntryId?.Value,
        e.AdjustsKind is { } adjusted ? SetupJson.Name(adjusted) : null, e.Reason, e.Author, e.PostedAt, e.Source.ToString(),
        e.EffectiveAt);
}

/// <summary>What a successful posting answers (and what a repeat of its Idempotency-Key answers again).</summary>
public sealed record PostingResource(string PoolId, string FinancialYear, long Posting, long FirstSeq, int EntryCount, long NetPence, IReadOnlyList<EntryResource> Entries);

/// <summary>Turns posted bodies into journal entries, naming the field at fault for everything that is wrong.</summary>
public static class EntryFields
{
    /// <summary>The kinds a client may post directly; reversals have their own function.</summary>
    public static IReadOnlyList<EntryKind> Postable { get; } = Enum.GetValues<EntryKind>().Where(k => k != EntryKind.Reversal).ToList();

    /// <summary>
    /// Journal entries for <paramref name="bodies"/>, with fresh ids, stamped with the caller and <paramref name="postedAt"/>.
    /// Shape problems go into <paramref name="errors"/> (400); references to a line, stream or partner the pool does not
    /// have go into <paramref name="unknown"/> (422); entries the caller may not post into <paramref name="forbidden"/> (403).
    /// </summary>
    public static List<JournalEntry> Read(
        IReadOnlyList<EntryBody?> bodies, string prefix, StoredSetup setup, LedgerSetup ledger, Caller caller, Instant postedAt, EntrySource source,
        FieldErrors errors, FieldErrors unknown, List<string> forbidden)
    {
        var entries = new List<JournalEntry>();
        for (var i = 0; i < bodies.Count; i++)
        {
            var field = prefix.Length == 0 ? "" : $"{prefix}[{i}].";
            if (bodies[i] is not { } body)
            {
                errors.Add(prefix.Length == 0 ? "" : $"{prefix}[{i}]", "An entry is a JSON object.");
                continue;
            }
            var before = errors.Count + unknown.Count;
            var kind = errors.Enum($"{field}kind", body.Kind, allowed: Postable);
            var month = errors.Month($"{field}month", body.Month);
            var line = errors.Id($"{field}line", body.Line, required: false);
            var stream = errors.Id($"{field}stream", body.Stream, required: false);
            var partner = errors.Id($"{field}partner", body.Partner, required: false);
            var adjusts = errors.Enum($"{field}adjustsKind", body.AdjustsKind, required: false, allowed: EntryKinds.Adjustable);
            var reason = errors.Text($"{field}reason", body.Reason, Finance.Domain.Limits.MaxTextLength);
            var reference = errors.Text($"{field}reference", body.Reference, Finance.Domain.Limits.MaxNameLength, singleLine: true);
            var memo = errors.Text($"{field}memo", body.Memo, Finance.Domain.Limits.MaxTextLength);
            var effectiveAt = errors.Effective($"{field}effectiveAt", body.EffectiveAt, postedAt, ledger.Pool.Year);
            var amount = kind is EntryKind.NilReturn or EntryKind.Note && body.Amount is null
                ? Pence.Zero
                : errors.Amount($"{field}amount", body.Amount);
            LineDocument? lineDocument = null;
            if (line is not null && (lineDocument = setup.Line(line)) is null)
            {
                unknown.Add($"{field}line", $"Pool '{setup.Pool.PoolId}' has no line '{line}'.");
            }
            if (stream is not null && !ledger.Pool.HoldsStream(new FundingStreamId(stream)))
            {
                unknown.Add($"{field}stream", $"Pool '{setup.Pool.PoolId}' holds no funding stream '{stream}'.");
            }
            if (partner is not null && !ledger.Pool.Agreement.Partners.Contains(new OrganisationId(partner)))
            {
                unknown.Add($"{field}partner", $"'{partner}' is not a partner in pool '{setup.Pool.PoolId}'.");
            }
            if (errors.Count + unknown.Count > before)
            {
                continue;
            }
            // The rules between fields, checked here to name the field at fault (and no entry id: none is stored).
            if (JournalEntry.Fault(kind!.Value, amount!.Value, line is null ? null : new LineId(line), stream is null ? null : new FundingStreamId(stream),
                    partner is null ? null : new OrganisationId(partner), null, adjusts, reason, memo) is { } fault)
            {
                errors.Add($"{field}{fault.Field}", char.ToUpperInvariant(fault.Message[0]) + fault.Message[1..] + ".");
                continue;
            }
            if (!errors.TryBuild(field.TrimEnd('.'), () => new JournalEntry(
                    EntryId.FromGuid(Guid.NewGuid()), ledger.Pool.Id, new FinancialMonth(ledger.Pool.Year, month!.Value), kind!.Value, amount!.Value,
                    caller.Id, postedAt, source, line is null ? null : new LineId(line), stream is null ? null : new FundingStreamId(stream),
                    partner is null ? null : new OrganisationId(partner), adjustsKind: adjusts, reason: reason, reference: reference, memo: memo,
                    effectiveAt: effectiveAt),
                    out var entry))
            {
                continue;
            }
            var figure = entry.Kind == EntryKind.Adjustment ? entry.AdjustsKind!.Value : entry.Kind;
            if (PoolAccess.MayPost(caller, setup.Pool.Parties, figure, lineDocument?.Host) is { } refusal)
            {
                forbidden.Add(prefix.Length == 0 ? refusal : $"{prefix}[{i}]: {refusal}");
                continue;
            }
            entries.Add(entry);
        }
        return entries;
    }

    /// <summary>The ledger stores instants in 100 ns ticks; postings are stamped at that precision.</summary>
    public static Instant Now(IClock clock) => Instant.FromUnixTimeTicks(clock.GetCurrentInstant().ToUnixTimeTicks());
}
