using System.Text.Json;
using Finance.Domain.Model;
using Finance.Domain.Principals;
using Finance.Functions.Access;
using Finance.Functions.Http;
using Finance.Functions.Outcomes;
using Finance.Functions.Pools;
using Finance.Storage;
using Finance.Storage.Directory;
using Finance.Storage.Pools;
using NodaTime;
using NodaTime.Text;

namespace Finance.Functions.Setup;

/// <param name="DisplayOrder">Its place among the statement's budget sources, 1 to 10,000: lower first; sources without one follow.</param>
/// <param name="EffectiveFrom">From when this version of the stream applies, an instant no later than now and no earlier
/// than the start of the financial year before the pool's; left out, from now.</param>
public sealed record StreamBody(
    string? Kind, string? Name, string? Nature, string? Funder = null, string? Conditions = null, string? SpendBy = null, string? PassThroughTo = null,
    int? DisplayOrder = null, string? EffectiveFrom = null);

public sealed record ContributionBody(string? Partner, string? Stream, JsonElement? AnnualAmount);

public sealed record ShareBody(string? Partner, decimal? Percent);

public sealed record RiskShareBody(string? Rule, bool? IncludeCapital = null, IReadOnlyList<ShareBody?>? Shares = null);

/// <param name="EffectiveFrom">From when these terms apply, an instant no later than now and no earlier than the start
/// of the financial year before the pool's; left out, from now.</param>
public sealed record AgreementBody(
    IReadOnlyList<ContributionBody?>? Contributions, RiskShareBody? RiskShare, string? Underspend, string? EffectiveFrom = null);

/// <param name="Amounts">For customMonthly: twelve amounts in pounds, month 1 (April) first.</param>
/// <param name="Month">For lumpSum: the month the whole budget falls in.</param>
public sealed record ProfileBody(string? Kind, IReadOnlyList<JsonElement>? Amounts = null, int? Month = null);

/// <param name="DisplayOrder">Its place on the statement, 1 to 10,000: lower first; lines without one follow.</param>
/// <param name="SummaryGroup">The committed item of the statement's summary it is listed under, with the other lines naming it.</param>
/// <param name="FundingSourceLabel">What the statement's Funding Source column shows for it.</param>
/// <param name="EffectiveFrom">From when this version of the line applies, an instant no later than now and no earlier
/// than the start of the financial year before the pool's; left out, from now. Statements as at an earlier instant keep
/// the version in effect then.</param>
public sealed record LineBody(
    string? FundingSource, string? Title, string? Host, int? StartMonth = null, ProfileBody? Profile = null, string? Commissioner = null, string? Notes = null,
    int? DisplayOrder = null, string? SummaryGroup = null, string? FundingSourceLabel = null, string? EffectiveFrom = null);

public sealed record LineResource(
    string LineId, string FundingSource, string Title, string Host, int StartMonth, ProfileDocument Profile, string? Commissioner, string? Notes,
    Instant CreatedAt, string CreatedBy, Instant UpdatedAt, string UpdatedBy)
{
    public int? DisplayOrder { get; init; }

    public string? SummaryGroup { get; init; }

    public string? FundingSourceLabel { get; init; }
}

/// <summary>One version of a line: when it was recorded, from when it applies, by whom, the fields it changed, the line.</summary>
/// <param name="Baseline">The line as it was before versions were kept (recorded and by as its row said), in effect from its creation.</param>
public sealed record LineVersionResource(
    long SetupVersion, Instant RecordedAt, Instant EffectiveFrom, string By, IReadOnlyList<string> Changed, LineResource Line, bool Baseline = false);

/// <param name="UnversionedSince">For a line put before versions were kept: when it was created; its history before its present state is not known.</param>
public sealed record LineHistoryResource(string PoolId, string LineId, IReadOnlyList<LineVersionResource> Versions, Instant? UnversionedSince);

public sealed record SetupResource(
    string PoolId, long SetupVersion, IReadOnlyList<StreamDocument> Streams, AgreementDocument? Agreement, IReadOnlyList<LineResource> Lines)
{
    /// <summary>The pool's name (as at the as-at, as known at the known-at, when given).</summary>
    public string? Name { get; init; }
}

/// <summary>One version of a funding stream: when it was recorded, from when it applies, by whom (null, with
/// <paramref name="Baseline"/>, for the stream as it was before versions were kept), the fields it changed, the stream.</summary>
public sealed record StreamVersionResource(
    long SetupVersion, Instant RecordedAt, Instant EffectiveFrom, string? By, bool Baseline, IReadOnlyList<string> Changed, StreamDocument Stream);

/// <summary>One version of a part of the pool's set-up: its name, one stream or the agreement (whichever it is, the
/// others null), when recorded, from when it applies, by whom (null, with <paramref name="Baseline"/>, for the part as it
/// was before versions were kept).</summary>
public sealed record PartVersionResource(
    string Part, long SetupVersion, Instant RecordedAt, Instant EffectiveFrom, string? By, bool Baseline, string? Name, StreamDocument? Stream,
    AgreementDocument? Agreement);

/// <summary>Every version of the pool's name, streams and agreement, newest first (lines have their own history).</summary>
public sealed record SetupHistoryResource(string PoolId, IReadOnlyList<PartVersionResource> Versions);

/// <param name="UnversionedSince">For a stream not changed since before versions were kept: when the pool was created;
/// its history before its present state is not known.</param>
public sealed record StreamHistoryResource(string PoolId, string StreamId, IReadOnlyList<StreamVersionResource> Versions, Instant? UnversionedSince);

/// <summary>
/// Setting a pool up after it is created: its funding streams, the section 75 agreement's terms (contributions, risk
/// share, underspend) and its lines. Budgets are not set here: a line's budget is what the pool manager commits to it
/// through the ledger, and allocations and contributions received are ledger entries too.
/// </summary>
public sealed class SetupService(PoolSetupStore setups, OrganisationStore organisations, IClock clock)
{
    private const int MaxWriteAttempts = 5;

    public async Task<Outcome<StreamDocument>> PutStreamAsync(
        PoolInScope scope, string streamId, StreamBody body, string? ifMatch, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(caller);
        if (scope.Pool is null)
        {
            return Refusal.NoPool(scope.PoolId);
        }
        var errors = new FieldErrors();
        var kind = errors.Enum<FundingStreamKind>("kind", body.Kind);
        var name = errors.Text("name", body.Name, Finance.Domain.Limits.MaxNameLength, required: true, singleLine: true);
        var nature = errors.Enum<FundingNature>("nature", body.Nature);
        var funder = errors.Id("funder", body.Funder, required: false);
        var conditions = errors.Text("conditions", body.Conditions, Finance.Domain.Limits.MaxTextLength);
        var passThroughTo = errors.Id("passThroughTo", body.PassThroughTo, required: false);
        CheckDisplayOrder(errors, body.DisplayOrder, "the source's");
        var streamEffectiveFrom = errors.Effective("effectiveFrom", body.EffectiveFrom, clock.GetCurrentInstant(), scope.Pool.Year);
        string? spendBy = null;
        if (!string.IsNullOrWhiteSpace(body.SpendBy))
        {
            if (LocalDatePattern.Iso.Parse(body.SpendBy.Trim()) is { Success: true } date)
            {
                spendBy = LocalDatePattern.Iso.Format(date.Value);
            }
            else
            {
                errors.Add("spendBy", "spendBy is a date written yyyy-MM-dd.");
            }
        }
        if (errors.Any)
        {
            return Refusal.Invalid(errors.ToDictionary());
        }
        if (passThroughTo is not null && await organisations.GetAsync(passThroughTo, cancellationToken) is null)
        {
            return Refusal.Invalid("passThroughTo", $"There is no organisation '{passThroughTo}'; add it first (PUT /api/organisations/{passThroughTo}).", "Unknown organisation.");
        }
        if (funder is not null && !scope.Pool.Parties.Organisations.Contains(funder, StringComparer.Ordinal))
        {
            return Refusal.Invalid("funder", $"'{funder}' is not a partner in pool '{scope.PoolId}'; add it to the pool's partnerOrganisations first.", "Unknown organisation.");
        }
        var document = new StreamDocument(streamId, SetupJson.Name(kind!.Value), name!, SetupJson.Name(nature!.Value), funder, conditions, spendBy, passThroughTo)
        {
            DisplayOrder = body.DisplayOrder,
        };
        return await ChangeAsync(scope, ifMatch, "kind", stored =>
        {
            var streams = stored.Pool.Streams.Where(s => s.Id != streamId).Append(document).OrderBy(s => s.Id, StringComparer.Ordinal).ToList();
            return (stored.Pool with { Streams = streams }, null);
        }, (_, _) => document, null, caller, streamEffectiveFrom, cancellationToken);
    }

    public async Task<Outcome<AgreementDocument>> PutAgreementAsync(
        PoolInScope scope, AgreementBody body, string? ifMatch, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(caller);
        if (scope.Pool is null)
        {
            return Refusal.NoPool(scope.PoolId);
        }
        var errors = new FieldErrors();
        var contributions = new List<ContributionDocument>();
        var parties = scope.Pool.Parties.Organisations.ToHashSet(StringComparer.Ordinal);
        var streams = scope.Pool.Streams.Select(st => st.Id).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < (body.Contributions?.Count ?? 0); i++)
        {
            var field = $"contributions[{i}]";
            if (body.Contributions![i] is not { } c)
            {
                errors.Add(field, "A contribution is an object with partner, stream and annualAmount.");
                continue;
            }
            var partner = errors.Id($"{field}.partner", c.Partner);
            var stream = errors.Id($"{field}.stream", c.Stream);
            var amount = errors.Amount($"{field}.annualAmount", c.AnnualAmount);
            if (partner is not null && !parties.Contains(partner))
            {
                errors.Add($"{field}.partner", $"'{partner}' is not a partner in pool '{scope.PoolId}'.");
            }
            if (stream is not null && !streams.Contains(stream))
            {
                errors.Add($"{field}.stream", $"'{stream}' is not a funding stream of pool '{scope.PoolId}'; put the stream first.");
            }
            if (partner is not null && stream is not null && contributions.Any(d => d.Partner == partner && d.Stream == stream))
            {
                errors.Add(field, $"Partner '{partner}' has more than one contribution to '{stream}'; give each once.");
            }
            else if (partner is not null && stream is not null && amount is { } pence)
            {
                contributions.Add(new ContributionDocument(partner, stream, pence.Value));
            }
        }
        var rule = errors.Enum<RiskShareKind>("riskShare.rule", body.RiskShare?.Rule);
        var shares = new List<ShareDocument>();
        for (var i = 0; i < (body.RiskShare?.Shares?.Count ?? 0); i++)
        {
            var field = $"riskShare.shares[{i}]";
            if (body.RiskShare!.Shares![i] is not { } share)
            {
                errors.Add(field, "A share is an object with partner and percent.");
                continue;
            }
            var partner = errors.Id($"{field}.partner", share.Partner);
            if (partner is not null && !parties.Contains(partner))
            {
                errors.Add($"{field}.partner", $"'{partner}' has a fixed share of the risk but is not a partner in pool '{scope.PoolId}'.");
                partner = null;
            }
            else if (partner is not null && shares.Any(d => d.Partner == partner))
            {
                errors.Add($"{field}.partner", $"Partner '{partner}' has more than one share; give each partner's share once.");
                partner = null;
            }
            if (share.Percent is not { } percent)
            {
                errors.Add($"{field}.percent", "percent is required.");
            }
            else if (partner is not null)
            {
                shares.Add(new ShareDocument(partner, percent));
            }
        }
        if (rule == RiskShareKind.FixedPercentages && shares.Count == 0 && !errors.Any)
        {
            errors.Add("riskShare.shares", "Fixed percentages need each partner's share.");
        }
        var underspend = errors.Enum<UnderspendRule>("underspend", body.Underspend);
        var effectiveFrom = errors.Effective("effectiveFrom", body.EffectiveFrom, clock.GetCurrentInstant(), scope.Pool.Year);
        if (errors.Any)
        {
            return Refusal.Invalid(errors.ToDictionary());
        }
        var document = new AgreementDocument(
            contributions, new RiskShareDocument(SetupJson.Name(rule!.Value), body.RiskShare?.IncludeCapital ?? false, shares), SetupJson.Name(underspend!.Value));
        return await ChangeAsync(scope, ifMatch, "contributions",
            stored => (stored.Pool with { Agreement = document }, null), (_, _) => document, null, caller, effectiveFrom, cancellationToken);
    }

    public async Task<Outcome<LineResource>> PutLineAsync(
        PoolInScope scope, string lineId, LineBody body, string? ifMatch, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(caller);
        if (scope.Pool is null)
        {
            return Refusal.NoPool(scope.PoolId);
        }
        var errors = new FieldErrors();
        var source = errors.Id("fundingSource", body.FundingSource);
        var title = errors.Text("title", body.Title, Finance.Domain.Limits.MaxNameLength, required: true, singleLine: true);
        var host = errors.Id("host", body.Host);
        var startMonth = errors.Month("startMonth", body.StartMonth ?? 1);
        var commissioner = errors.Id("commissioner", body.Commissioner, required: false);
        var notes = errors.Text("notes", body.Notes, Finance.Domain.Limits.MaxTextLength);
        CheckDisplayOrder(errors, body.DisplayOrder, "the line's");
        var summaryGroup = errors.Text("summaryGroup", body.SummaryGroup, Finance.Domain.Limits.MaxNameLength, singleLine: true);
        var sourceLabel = errors.Text("fundingSourceLabel", body.FundingSourceLabel, Finance.Domain.Limits.MaxNameLength, singleLine: true);
        var effectiveFrom = errors.Effective("effectiveFrom", body.EffectiveFrom, clock.GetCurrentInstant(), scope.Pool.Year);
        var profile = ReadProfile(body.Profile, errors);
        var parties = scope.Pool.Parties.Organisations.ToHashSet(StringComparer.Ordinal);
        if (host is not null && !parties.Contains(host))
        {
            errors.Add("host", $"'{host}' is not a partner in pool '{scope.PoolId}'; a line is hosted by one of the pool's organisations.");
        }
        if (commissioner is not null && !parties.Contains(commissioner))
        {
            errors.Add("commissioner", $"'{commissioner}' is not a partner in pool '{scope.PoolId}'.");
        }
        if (errors.Any)
        {
            return Refusal.Invalid(errors.ToDictionary());
        }
        if (!scope.Pool.Streams.Any(s => s.Id == source))
        {
            return Refusal.Unprocessable(new Dictionary<string, string[]>
            {
                ["fundingSource"] = [$"Pool '{scope.PoolId}' holds no funding stream '{source}'; add it first (PUT .../streams/{source})."],
            }, "The line names something the pool does not have.");
        }
        if (summaryGroup is not null && await setups.ReadAsync(scope.PoolId, cancellationToken) is { } current
            && current.Lines.Where(l => l.LineId != lineId).Select(l => l.SummaryGroup).OfType<string>()
                .FirstOrDefault(g => g != summaryGroup && SameGroup(g, summaryGroup)) is { } near)
        {
            return Refusal.Invalid("summaryGroup",
                $"Pool '{scope.PoolId}' has a summary group '{near}', which differs from '{summaryGroup}' only in case or spacing; "
                + "give the group's exact name to list the line under it, or a clearly different name for a new group.",
                "Ambiguous summary group.");
        }
        var now = clock.GetCurrentInstant();
        var created = false;
        return await ChangeAsync(scope, ifMatch, "profile", stored =>
        {
            var existing = stored.Line(lineId);
            created = existing is null;
            var line = new LineDocument(lineId, source!, title!, host!, startMonth!.Value, profile!, commissioner, notes,
                existing?.CreatedAt ?? now, existing?.CreatedBy ?? caller.Id, now, caller.Id)
            {
                DisplayOrder = body.DisplayOrder,
                SummaryGroup = summaryGroup,
                FundingSourceLabel = sourceLabel,
            };
            return (stored.Pool, line);
        }, (_, line) => ToResource(line!), () => created, caller, effectiveFrom, cancellationToken);
    }

    /// <summary>The set-up as it is, or (with either instant) the lines as at <paramref name="asAtText"/> as known at <paramref name="knownAtText"/>.</summary>
    public async Task<Outcome<SetupResource>> GetAsync(PoolInScope scope, string? asAtText, string? knownAtText, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (scope.Pool is null || await setups.ReadAsync(scope.PoolId, cancellationToken) is not { } stored)
        {
            return Refusal.NoPool(scope.PoolId);
        }
        var errors = new FieldErrors();
        var now = clock.GetCurrentInstant();
        var asAt = errors.Instant("asAt", asAtText, now);
        var knownAt = errors.Instant("knownAt", knownAtText, now);
        if (errors.Any)
        {
            return Refusal.Invalid(errors.ToDictionary());
        }
        var shown = stored;
        if (asAt is not null || knownAt is not null)
        {
            // The set-up a statement as at then, as known then, uses: one selection for both.
            if (await setups.AsAtAsync(scope.Pool, asAt ?? now, knownAt ?? now, cancellationToken) is not { } then)
            {
                return Postings.LedgerRefusals.Busy;
            }
            shown = then.Stored;
        }
        var pool = shown.Pool;
        return Outcome.Of(new SetupResource(pool.PoolId, stored.Pool.SetupVersion, pool.Streams, pool.Agreement, shown.Lines.Select(ToResource).ToList())
            {
                Name = pool.Name,
            })
            with { Version = asAt is null && knownAt is null ? Versions.Of(stored.Pool.ETag) : null };
    }

    /// <summary>Every version of a line, newest first: who put it, when, from when it applies, and what it changed.</summary>
    public async Task<Outcome<LineHistoryResource>> HistoryAsync(PoolInScope scope, string lineId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (scope.Pool is null || await setups.ReadAsync(scope.PoolId, cancellationToken) is not { } stored)
        {
            return Refusal.NoPool(scope.PoolId);
        }
        if (stored.Line(lineId) is not { } line)
        {
            return Refusal.NotFound($"Pool '{scope.PoolId}' has no line '{lineId}'.");
        }
        var versions = await setups.ReadLineVersionsAsync(scope.PoolId, lineId, cancellationToken);
        var listed = versions.Select((v, i) => new LineVersionResource(
            v.SetupVersion, v.RecordedAt, v.EffectiveFrom, v.By, v.ChangedFrom(i == 0 ? null : versions[i - 1].Line), ToResource(v.Line), v.Baseline))
            .Reverse().ToList();
        // A line put before versions were kept has its present state and no history before it.
        return Outcome.Of(new LineHistoryResource(scope.PoolId, lineId, listed, versions.Count == 0 ? line.CreatedAt : null));
    }

    /// <summary>Every version of a funding stream, newest first: who put it, when, from when it applies, what it changed.</summary>
    public async Task<Outcome<StreamHistoryResource>> StreamHistoryAsync(PoolInScope scope, string streamId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (scope.Pool is null)
        {
            return Refusal.NoPool(scope.PoolId);
        }
        if (!scope.Pool.Streams.Any(s => s.Id == streamId))
        {
            return Refusal.NotFound($"Pool '{scope.PoolId}' has no funding stream '{streamId}'.");
        }
        var versions = await setups.ReadPartVersionsAsync(scope.PoolId, PoolPartVersion.StreamPart(streamId), cancellationToken);
        var listed = versions.Select((v, i) => new StreamVersionResource(
            v.SetupVersion, v.RecordedAt, v.EffectiveFrom, v.By, v.Baseline, ChangedFields(i == 0 ? null : versions[i - 1].Stream(), v.Stream()), v.Stream()))
            .Reverse().ToList();
        return Outcome.Of(new StreamHistoryResource(scope.PoolId, streamId, listed, versions.Count == 0 ? scope.Pool.CreatedAt : null));
    }

    /// <summary>Every version of the pool's name, streams and agreement, newest first: who changed which, when, from when.</summary>
    public async Task<Outcome<SetupHistoryResource>> SetupHistoryAsync(PoolInScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (scope.Pool is null)
        {
            return Refusal.NoPool(scope.PoolId);
        }
        var versions = await setups.ReadPartVersionsAsync(scope.PoolId, null, cancellationToken);
        return Outcome.Of(new SetupHistoryResource(scope.PoolId, versions.OrderByDescending(v => v.SetupVersion).ThenBy(v => v.Part, StringComparer.Ordinal)
            .Select(v => new PartVersionResource(v.Part, v.SetupVersion, v.RecordedAt, v.EffectiveFrom, v.By, v.Baseline,
                v.Part == PoolPartVersion.NamePart ? v.Name() : null,
                v.IsStream ? v.Stream() : null,
                v.Part == PoolPartVersion.AgreementPart ? v.Agreement() : null))
            .ToList()));
    }

    /// <summary>The stream's fields, as the API names them, that differ from <paramref name="before"/> (every one for the first).</summary>
    private static List<string> ChangedFields(StreamDocument? before, StreamDocument after)
    {
        var fields = new (string Name, Func<StreamDocument, object?> Of)[]
        {
            ("kind", s => s.Kind), ("name", s => s.Name), ("nature", s => s.Nature), ("funder", s => s.Funder), ("conditions", s => s.Conditions),
            ("spendBy", s => s.SpendBy), ("passThroughTo", s => s.PassThroughTo), ("displayOrder", s => s.DisplayOrder),
        };
        return fields.Where(f => before is null || !Equals(f.Of(before), f.Of(after))).Select(f => f.Name).ToList();
    }

    public const int MaxDisplayOrder = 10_000;

    /// <summary>Whether two summary groups' names are the same but for case and spacing: a slip, not a new group.</summary>
    private static bool SameGroup(string a, string b) =>
        string.Equals(string.Join(' ', a.Split(' ', StringSplitOptions.RemoveEmptyEntries)),
            string.Join(' ', b.Split(' ', StringSplitOptions.RemoveEmptyEntries)), StringComparison.OrdinalIgnoreCase);

    private static void CheckDisplayOrder(FieldErrors errors, int? order, string whose)
    {
        if (order is < 1 or > MaxDisplayOrder)
        {
            errors.Add("displayOrder", $"displayOrder is a whole number from 1 to {MaxDisplayOrder:N0}: {whose} place on the statement.");
        }
    }

    public static LineResource ToResource(LineDocument l) =>
        new(l.LineId, l.FundingSource, l.Title, l.Host, l.StartMonth, l.Profile, l.Commissioner, l.Notes, l.CreatedAt, l.CreatedBy, l.UpdatedAt, l.UpdatedBy)
        {
            DisplayOrder = l.DisplayOrder,
            SummaryGroup = l.SummaryGroup,
            FundingSourceLabel = l.FundingSourceLabel,
        };

    private static ProfileDocument? ReadProfile(ProfileBody? body, FieldErrors errors)
    {
        if (body is null)
        {
            return new ProfileDocument(SetupJson.Name(ProfileKind.StraightLine));
        }
        var kind = errors.Enum<ProfileKind>("profile.kind", body.Kind);
        switch (kind)
        {
            case ProfileKind.CustomMonthly:
                if (body.Amounts is not { Count: 12 } amounts)
                {
                    errors.Add("profile.amounts", "A customMonthly profile needs twelve amounts in pounds, month 1 (April) first.");
                    return null;
                }
                var pence = new List<long>();
                for (var i = 0; i < 12; i++)
                {
                    if (errors.Amount($"profile.amounts[{i}]", amounts[i]) is { } amount)
                    {
                        pence.Add(amount.Value);
                    }
                }
                return pence.Count == 12 ? new ProfileDocument(SetupJson.Name(ProfileKind.CustomMonthly), pence) : null;
            case ProfileKind.LumpSum:
                return errors.Month("profile.month", body.Month) is { } month ? new ProfileDocument(SetupJson.Name(ProfileKind.LumpSum), Month: month) : null;
            case ProfileKind.StraightLine:
                return new ProfileDocument(SetupJson.Name(ProfileKind.StraightLine));
            default:
                return null;
        }
    }

    /// <summary>
    /// Reads the set-up, applies <paramref name="change"/>, checks the result is a set-up the domain accepts (else 422
    /// naming <paramref name="field"/>), and writes it with If-Match on the pool row. Without the caller's If-Match a
    /// race with another change is retried; with it, 412.
    /// </summary>
    private async Task<Outcome<TResource>> ChangeAsync<TResource>(
        PoolInScope scope, string? ifMatch, string field, Func<StoredSetup, (PoolRecord Next, LineDocument? Line)> change,
        Func<PoolRecord, LineDocument?, TResource> respond, Func<bool>? created, Caller caller, Instant? effectiveFrom,
        CancellationToken cancellationToken)
    {
        var changed = new Refusal(RefusalKind.PreconditionFailed, "The pool has changed.",
            "Someone changed this pool's set-up since you read it; read it again and reapply your change.");
        for (var attempt = 1; ; attempt++)
        {
            var stored = await setups.ReadAsync(scope.PoolId, cancellationToken);
            if (stored is null)
            {
                return Refusal.NoPool(scope.PoolId);
            }
            // Access was decided on the version the middleware read; a write must not outlive a change to who may make it.
            if (!SameParties(stored.Pool.Parties, scope.Pool!.Parties))
            {
                return changed with { Detail = "The pool's partners or managers changed while you were changing it; send it again." };
            }
            if (!Versions.Any(ifMatch) && !Versions.Same(ifMatch!, stored.Pool.ETag))
            {
                return changed;
            }
            var (next, line) = change(stored);
            var lines = line is null ? stored.Lines : stored.Lines.Where(l => l.LineId != line.LineId).Append(line).ToList();
            if (line is not null && stored.Line(line.LineId) is null && lines.Count > Finance.Domain.Limits.MaxLinesPerPool)
            {
                return new Refusal(RefusalKind.Unprocessable, "Too many lines.", $"A pool holds at most {Finance.Domain.Limits.MaxLinesPerPool} lines.");
            }
            var proposed = new StoredSetup(next, lines);
            var directory = await organisations.GetManyAsync(proposed.OrganisationIds, cancellationToken);
            try
            {
                proposed.ToLedgerSetup(directory);
            }
            catch (Exception e) when (e is ArgumentException or KeyNotFoundException or FormatException)
            {
                var at = e is ArgumentException { ParamName: { } part } ? FieldOf(part, field) : field;
                return Refusal.Invalid(new Dictionary<string, string[]> { [at] = [FieldErrors.FirstSentence(e.Message)] }, "The set-up would not be consistent.");
            }
            try
            {
                var written = await setups.WriteAsync(
                    stored.Pool, next, line, line is null ? null : stored.Line(line.LineId),
                    new SetupChange(caller.Id, clock.GetCurrentInstant(), effectiveFrom), cancellationToken);
                var resource = respond(written, line);
                return Outcome.Of(resource, created?.Invoke() == true ? Done.Created : Done.Ok) with { Version = Versions.Of(written.ETag) };
            }
            catch (StaleRecordException)
            {
                if (!Versions.Any(ifMatch) || attempt >= MaxWriteAttempts)
                {
                    return changed with { Detail = "Someone changed this pool's set-up at the same moment; read it again and reapply your change." };
                }
            }
        }
    }

    private static bool SameParties(PoolParties a, PoolParties b) =>
        a.PoolId == b.PoolId && a.HostOrganisation == b.HostOrganisation
        && a.PartnerOrganisations.SequenceEqual(b.PartnerOrganisations) && a.Managers.SequenceEqual(b.Managers);

    /// <summary>The request field a rule of the domain model is about (the model names its own parts), else the change's own.</summary>
    private static string FieldOf(string part, string field) => part switch
    {
        "shares" or "riskShare" or "percent" => "riskShare.shares",
        "contributions" => "contributions",
        "partners" => "partnerOrganisations",
        "host" => "hostOrganisation",
        _ => field,
    };
}
