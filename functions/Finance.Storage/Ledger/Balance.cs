using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using NodaTime;

namespace Finance.Storage.Ledger;

public enum BalanceTargetKind
{
    /// <summary>A budget line: its budget, monthly actuals, prior-year invoices, accruals and forecasts.</summary>
    Line,
    /// <summary>A funding stream: its allocations and balances brought forward.</summary>
    Stream,
    /// <summary>One partner's contributions to one funding stream.</summary>
    Partner,
}

/// <summary>What one balance row totals. Every entry moves exactly one: its line if it has one, else its stream and partner, else its stream.</summary>
public sealed record BalanceTarget
{
    private BalanceTarget(BalanceTargetKind kind, LineId? line, FundingStreamId? stream, OrganisationId? partner, string rowKey)
    {
        Kind = kind;
        Line = line;
        Stream = stream;
        Partner = partner;
        RowKey = rowKey;
    }

    public BalanceTargetKind Kind { get; }

    public LineId? Line { get; }

    public FundingStreamId? Stream { get; }

    public OrganisationId? Partner { get; }

    internal string RowKey { get; }

    public static BalanceTarget ForLine(LineId line) =>
        new(BalanceTargetKind.Line, line, null, null, LedgerRows.LineBalancePrefix + line.Value);

    public static BalanceTarget ForStream(FundingStreamId stream) =>
        new(BalanceTargetKind.Stream, null, stream, null, LedgerRows.StreamBalancePrefix + stream.Value);

    public static BalanceTarget ForPartner(FundingStreamId stream, OrganisationId partner) =>
        new(BalanceTargetKind.Partner, null, stream, partner, $"{LedgerRows.PartnerBalancePrefix}{stream.Value}{LedgerRows.Separator}{partner.Value}");

    /// <summary>A reversal carries its entry's line, stream and partner (the posting rules insist), so it lands on the same row.</summary>
    public static BalanceTarget Of(JournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry switch
        {
            { Line: { } line } => ForLine(line),
            { Stream: { } stream, Partner: { } partner } => ForPartner(stream, partner),
            { Stream: { } stream } => ForStream(stream),
            _ => throw new LedgerInvariantException($"Entry '{entry.Id}' ({entry.Kind}) names no line and no funding stream."),
        };
    }

    public override string ToString() => RowKey;
}

/// <summary>A forecast outturn as a line's balance row keeps it: enough to pick "the latest forecast as at month M" for every M.</summary>
/// <param name="CancelledFromMonth">The month of the reversal that cancelled it, or 13 when it stands.</param>
public sealed record ForecastMark(EntryId Id, int Month, Instant PostedAt, Pence Amount, int CancelledFromMonth)
{
    public const int NotCancelled = 13;
}

/// <summary>
/// A line's note for one month as its balance row keeps it: the latest written for the month (by posting instant, then
/// id, as the statement picks it). Notes are not reversed, so one per month is all a statement can show.
/// </summary>
public sealed record NoteMark(EntryId Id, Instant PostedAt, string Text)
{
    /// <summary>Whether this note is the one a statement shows over <paramref name="other"/> for the same month.</summary>
    public bool Supersedes(NoteMark? other) =>
        other is null || PostedAt > other.PostedAt || (PostedAt == other.PostedAt && string.CompareOrdinal(Id.Value, other.Id.Value) > 0);

    public override string ToString() => $"{Id}@{PostedAt}: {Text}";
}

/// <summary>
/// One balance row: the fold of every entry that moved one <see cref="BalanceTarget"/>, kept in step with the journal
/// by writing both in the same transaction. A statement "now" reads these instead of the journal.
/// <list type="bullet">
/// <item><see cref="Budget"/>: commitments less releases (annual figures count whatever their month).</item>
/// <item><see cref="Actuals"/>, <see cref="PriorYearInvoices"/>: sums per month of the entry (a reversal counts in its own month).</item>
/// <item><see cref="Accruals"/>: per month, the accruals for that month still outstanding at its end. An accrual
/// reverses by itself the next month; a reversal cancels an accrual from the reversal's month on, so only a reversal in
/// the accrual's own month changes a figure.</item>
/// <item><see cref="Forecasts"/>: every forecast outturn and the month it was cancelled from, since the latest as at
/// month M depends on M.</item>
/// <item><see cref="Notes"/>: per month, the note the statement shows (the latest written for that month).</item>
/// </list>
/// </summary>
public sealed class Balance
{
    private const int Months = 12;
    private static readonly JsonSerializerOptions ForecastJson = new(JsonSerializerDefaults.Web);

    private readonly Pence[] actuals = new Pence[Months];
    private readonly Pence[] priorYearInvoices = new Pence[Months];
    private readonly Pence[] accruals = new Pence[Months];
    private readonly List<ForecastMark> forecasts = [];
    private readonly NoteMark?[] notes = new NoteMark?[Months];

    internal Balance(BalanceTarget target)
    {
        Target = target;
    }

    public BalanceTarget Target { get; }

    /// <summary>How many times the row was written: one per posting that touched it.</summary>
    public long Version { get; private set; }

    public long EntryCount { get; private set; }

    /// <summary>The sum of the amounts of the entries folded in: the row's control total.</summary>
    public Pence Net { get; private set; }

    /// <summary>The sequence number of the last entry folded in.</summary>
    public long LastSeq { get; private set; }

    public Pence Budget { get; private set; }

    /// <summary>Months 1 to 12.</summary>
    public IReadOnlyList<Pence> Actuals => actuals;

    public IReadOnlyList<Pence> PriorYearInvoices => priorYearInvoices;

    public IReadOnlyList<Pence> Accruals => accruals;

    public IReadOnlyList<ForecastMark> Forecasts => forecasts;

    /// <summary>Months 1 to 12: the month's note, or null.</summary>
    public IReadOnlyList<NoteMark?> Notes => notes;

    public Pence Allocated { get; private set; }

    public Pence BroughtForward { get; private set; }

    public Pence Contributed { get; private set; }

    internal ETag ETag { get; private set; }

    /// <summary>The figure an entry moves: its own kind, the kind it adjusts, or the figure of the entry it reverses.</summary>
    internal static EntryKind FigureOf(JournalEntry entry, JournalEntry? reversed) => entry.Kind switch
    {
        EntryKind.Reversal => reversed is null
            ? throw new LedgerInvariantException($"Reversal '{entry.Id}' was folded without the entry it reverses.")
            : reversed.AdjustsKind ?? reversed.Kind,
        EntryKind.Adjustment => entry.AdjustsKind!.Value,
        _ => entry.Kind,
    };

    /// <summary>This row as the transaction that wrote it leaves it: one version on, with the service's new ETag.</summary>
    internal Balance AsWritten(ETag etag)
    {
        var copy = Copy();
        copy.Version = Version + 1;
        copy.ETag = etag;
        return copy;
    }

    internal Balance Copy()
    {
        var copy = new Balance(Target)
        {
            Version = Version,
            EntryCount = EntryCount,
            Net = Net,
            LastSeq = LastSeq,
            Budget = Budget,
            Allocated = Allocated,
            BroughtForward = BroughtForward,
            Contributed = Contributed,
            ETag = ETag,
        };
        actuals.CopyTo(copy.actuals, 0);
        priorYearInvoices.CopyTo(copy.priorYearInvoices, 0);
        accruals.CopyTo(copy.accruals, 0);
        copy.forecasts.AddRange(forecasts);
        notes.CopyTo(copy.notes, 0);
        return copy;
    }

    /// <summary>Folds one entry in. <paramref name="reversed"/> is the entry a reversal undoes (its kind and month decide what moves).</summary>
    internal void Apply(JournalEntry entry, JournalEntry? reversed, long seq)
    {
        if (BalanceTarget.Of(entry) != Target)
        {
            throw new LedgerInvariantException($"Entry '{entry.Id}' belongs on {BalanceTarget.Of(entry)}, not {Target}.");
        }
        if (seq <= LastSeq)
        {
            throw new LedgerInvariantException($"Entry '{entry.Id}' (seq {seq}) was folded into {Target} after seq {LastSeq}.");
        }
        var m = entry.Month.Number - 1;
        var amount = entry.Amount;
        var isReversal = entry.Kind == EntryKind.Reversal;
        switch (FigureOf(entry, reversed))
        {
            case EntryKind.Commitment:
                Budget += amount;
                break;
            case EntryKind.CommitmentRelease:
                Budget -= amount;
                break;
            case EntryKind.Actual:
                actuals[m] += amount;
                break;
            case EntryKind.PriorYearInvoice:
                priorYearInvoices[m] += amount;
                break;
            case EntryKind.Accrual when isReversal:
                // Cancels the accrual from the reversal's month on; the accrual only ever counted in its own month.
                if (entry.Month == reversed!.Month)
                {
                    accruals[m] -= reversed.Amount;
                }
                break;
            case EntryKind.Accrual:
                accruals[m] += amount;
                break;
            case EntryKind.ForecastOutturn when isReversal:
                var index = forecasts.FindIndex(f => f.Id == reversed!.Id);
                if (index < 0)
                {
                    throw new LedgerInvariantException($"Reversal '{entry.Id}' cancels forecast '{reversed!.Id}', which {Target} does not hold.");
                }
                forecasts[index] = forecasts[index] with { CancelledFromMonth = Math.Min(forecasts[index].CancelledFromMonth, entry.Month.Number) };
                break;
            case EntryKind.ForecastOutturn:
                if (forecasts.Count >= LedgerLimits.MaxForecastsPerLine)
                {
                    throw new PostingRefusedException(
                        $"Line '{Target.Line}' already has {forecasts.Count} forecast outturns this year, the most one line may have; entry '{entry.Id}' would be one more.");
                }
                forecasts.Add(new ForecastMark(entry.Id, entry.Month.Number, entry.PostedAt, amount, ForecastMark.NotCancelled));
                break;
            case EntryKind.Allocation:
                Allocated += amount;
                break;
            case EntryKind.CarryForwardIn:
                BroughtForward += amount;
                break;
            case EntryKind.Contribution:
                Contributed += amount;
                break;
            case EntryKind.Note when isReversal:
                throw new LedgerInvariantException($"Entry '{entry.Id}' reverses note '{reversed!.Id}': {EntryKinds.NoteIsNotReversed}");
            case EntryKind.Note:
                var note = new NoteMark(entry.Id, entry.PostedAt, entry.Memo!);
                if (note.Supersedes(notes[m]))
                {
                    notes[m] = note;
                }
                break;
            case EntryKind.NilReturn:
                break;
            case var other:
                throw new LedgerInvariantException($"Entry '{entry.Id}' moves {other}, which no balance holds.");
        }
        EntryCount++;
        Net += amount;
        LastSeq = seq;
    }

    /// <summary>The row as written by a posting: one version on from the row it replaces.</summary>
    internal TableEntity ToEntity(string partitionKey)
    {
        var entity = new TableEntity(partitionKey, Target.RowKey)
        {
            ["Target"] = Target.Kind.ToString(),
            ["Version"] = Version + 1,
            ["EntryCount"] = EntryCount,
            ["NetPence"] = Net.Value,
            ["LastSeq"] = LastSeq,
        };
        switch (Target.Kind)
        {
            case BalanceTargetKind.Line:
                entity["Line"] = Target.Line!.Value;
                entity["BudgetPence"] = Budget.Value;
                for (var i = 0; i < Months; i++)
                {
                    entity[MonthProperty("ActualPence", i)] = actuals[i].Value;
                    entity[MonthProperty("PriorYearPence", i)] = priorYearInvoices[i].Value;
                    entity[MonthProperty("AccrualPence", i)] = accruals[i].Value;
                }
                entity["Forecasts"] = JsonSerializer.Serialize(
                    forecasts.Select(f => new ForecastRow(f.Id.Value, f.Month, f.PostedAt.ToUnixTimeTicks(), f.Amount.Value, f.CancelledFromMonth)),
                    ForecastJson);
                for (var i = 0; i < Months; i++)
                {
                    // One property per part: a note's text is kept as written, not escaped into JSON.
                    if (notes[i] is { } mark)
                    {
                        entity[MonthProperty("NoteId", i)] = mark.Id.Value;
                        entity[MonthProperty("NotePostedAtTicks", i)] = mark.PostedAt.ToUnixTimeTicks();
                        entity[MonthProperty("NoteText", i)] = mark.Text;
                    }
                }
                break;
            case BalanceTargetKind.Stream:
                entity["Stream"] = Target.Stream!.Value;
                entity["AllocatedPence"] = Allocated.Value;
                entity["BroughtForwardPence"] = BroughtForward.Value;
                break;
            case BalanceTargetKind.Partner:
                entity["Stream"] = Target.Stream!.Value;
                entity["Partner"] = Target.Partner!.Value;
                entity["ContributedPence"] = Contributed.Value;
                break;
        }
        return entity;
    }

    /// <summary>
    /// What a posting sends to move this row from <paramref name="stored"/> (the row as read or last written, whose ETag
    /// the write names): only the properties that changed, with the version, to merge into it; null when a property
    /// would go, which a merge cannot do (then the whole row is replaced). A posting on one month of a line changes a
    /// few of the row's forty-odd properties, and the service parses and stores only those.
    /// </summary>
    internal TableEntity? ToChanges(string partitionKey, Balance stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var full = ToEntity(partitionKey);
        var before = stored.ToEntity(partitionKey);
        if (stored.Target != Target || stored.Version != Version || before.Keys.Any(k => !full.ContainsKey(k)))
        {
            return null;
        }
        var changes = new TableEntity(partitionKey, Target.RowKey) { ["Version"] = full["Version"] };
        foreach (var (name, value) in full)
        {
            if (!before.TryGetValue(name, out var was) || !Equals(was, value))
            {
                changes[name] = value;
            }
        }
        return changes;
    }

    internal static Balance FromEntity(TableEntity entity)
    {
        var rowKey = entity.RowKey;
        try
        {
            var target = (Enum.TryParse<BalanceTargetKind>(entity.GetString("Target"), out var kind) ? kind : (BalanceTargetKind?)null) switch
            {
                BalanceTargetKind.Line => BalanceTarget.ForLine(new LineId(entity.GetString("Line")!)),
                BalanceTargetKind.Stream => BalanceTarget.ForStream(new FundingStreamId(entity.GetString("Stream")!)),
                BalanceTargetKind.Partner => BalanceTarget.ForPartner(new FundingStreamId(entity.GetString("Stream")!), new OrganisationId(entity.GetString("Partner")!)),
                _ => throw new LedgerInvariantException($"Balance row '{rowKey}' has no target kind."),
            };
            if (target.RowKey != rowKey)
            {
                throw new LedgerInvariantException($"Balance row '{rowKey}' holds the figures of {target}.");
            }
            var balance = new Balance(target)
            {
                Version = entity.GetInt64("Version") ?? 0,
                EntryCount = entity.GetInt64("EntryCount") ?? 0,
                Net = Read(entity, "NetPence"),
                LastSeq = entity.GetInt64("LastSeq") ?? 0,
                Budget = Read(entity, "BudgetPence"),
                Allocated = Read(entity, "AllocatedPence"),
                BroughtForward = Read(entity, "BroughtForwardPence"),
                Contributed = Read(entity, "ContributedPence"),
                ETag = entity.ETag,
            };
            for (var i = 0; i < Months; i++)
            {
                balance.actuals[i] = Read(entity, MonthProperty("ActualPence", i));
                balance.priorYearInvoices[i] = Read(entity, MonthProperty("PriorYearPence", i));
                balance.accruals[i] = Read(entity, MonthProperty("AccrualPence", i));
                if (entity.GetString(MonthProperty("NoteId", i)) is { } noteId)
                {
                    balance.notes[i] = new NoteMark(new EntryId(noteId),
                        Instant.FromUnixTimeTicks(entity.GetInt64(MonthProperty("NotePostedAtTicks", i))
                            ?? throw new LedgerInvariantException($"Balance row '{rowKey}' has note '{noteId}' without its posting instant.")),
                        entity.GetString(MonthProperty("NoteText", i))
                            ?? throw new LedgerInvariantException($"Balance row '{rowKey}' has note '{noteId}' without its text."));
                }
            }
            if (entity.GetString("Forecasts") is { Length: > 0 } json)
            {
                foreach (var row in JsonSerializer.Deserialize<ForecastRow[]>(json, ForecastJson) ?? [])
                {
                    balance.forecasts.Add(new ForecastMark(new EntryId(row.Id), row.Month, Instant.FromUnixTimeTicks(row.PostedAtTicks), new Pence(row.AmountPence), row.CancelledFromMonth));
                }
            }
            return balance;
        }
        catch (Exception e) when (e is ArgumentException or JsonException or InvalidOperationException)
        {
            throw new LedgerInvariantException($"Balance row '{rowKey}' cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Where this row's figures differ from <paramref name="other"/>'s (versions and ETags aside).</summary>
    internal IEnumerable<string> Differences(Balance other)
    {
        IEnumerable<(string Name, object Mine, object Theirs)> Figures()
        {
            yield return ("entry count", EntryCount, other.EntryCount);
            yield return ("net", Net, other.Net);
            yield return ("last seq", LastSeq, other.LastSeq);
            yield return ("budget", Budget, other.Budget);
            yield return ("allocated", Allocated, other.Allocated);
            yield return ("brought forward", BroughtForward, other.BroughtForward);
            yield return ("contributed", Contributed, other.Contributed);
            for (var i = 0; i < Months; i++)
            {
                yield return ($"actuals M{i + 1}", actuals[i], other.actuals[i]);
                yield return ($"prior-year invoices M{i + 1}", priorYearInvoices[i], other.priorYearInvoices[i]);
                yield return ($"accruals M{i + 1}", accruals[i], other.accruals[i]);
                yield return ($"note M{i + 1}", notes[i]?.ToString() ?? "none", other.notes[i]?.ToString() ?? "none");
            }
            yield return ("forecasts", string.Join("; ", forecasts), string.Join("; ", other.forecasts));
        }
        return Figures().Where(f => !Equals(f.Mine, f.Theirs)).Select(f => $"{Target} {f.Name}: stored {f.Mine}, the entries make {f.Theirs}");
    }

    private static string MonthProperty(string name, int index) => string.Create(CultureInfo.InvariantCulture, $"{name}M{index + 1:00}");

    private static Pence Read(TableEntity entity, string name) => new(entity.GetInt64(name) ?? 0);

    private sealed record ForecastRow(string Id, int Month, long PostedAtTicks, long AmountPence, int CancelledFromMonth);
}
