using System.Net;
using System.Net.Http.Json;
using Finance.Domain.Ledger;
using Finance.Functions.Access;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Postings;

/// <summary>
/// Who posts each figure, through the API, for every kind of entry and every kind an adjustment may change: the monthly
/// figures of a line (and adjustments of them) are its host's finance lead's, the budget figures (and adjustments of
/// them) the pool manager's; anyone else is 403 and nothing is written. The README says the same.
/// </summary>
public sealed class WhoPostsWhatTests(PostingAppFixture fixture) : IClassFixture<PostingAppFixture>
{
    public static TheoryData<string, string?> Figures()
    {
        var figures = new TheoryData<string, string?>();
        foreach (var kind in Enum.GetValues<EntryKind>().Where(k => k is not (EntryKind.Reversal or EntryKind.Adjustment)))
        {
            figures.Add(kind.ToString(), null);
        }
        foreach (var adjusted in EntryKinds.Adjustable)
        {
            figures.Add(nameof(EntryKind.Adjustment), adjusted.ToString());
        }
        return figures;
    }

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    /// <summary>An entry of the kind (or an adjustment of it) with whatever that kind needs, on the council's line.</summary>
    private static Dictionary<string, object> Entry(PoolScenario pool, EntryKind kind, EntryKind? adjusts)
    {
        var figure = adjusts ?? kind;
        var entry = new Dictionary<string, object> { ["kind"] = Camel(kind.ToString()), ["month"] = 3 };
        if (kind is not (EntryKind.NilReturn or EntryKind.Note))
        {
            entry["amount"] = "10.00";
        }
        if (kind == EntryKind.Note)
        {
            entry["memo"] = "Spend on profile.";
        }
        if (EntryKinds.NeedsLine(figure))
        {
            entry["line"] = "programme-manager";
        }
        if (EntryKinds.NeedsStream(figure))
        {
            entry["stream"] = "place";
        }
        if (EntryKinds.NeedsPartner(figure))
        {
            entry["partner"] = pool.Icb;
        }
        if (adjusts is { } adjusted)
        {
            entry["adjustsKind"] = Camel(adjusted.ToString());
            entry["reason"] = "Correcting the figure";
        }
        return entry;
    }

    [Theory]
    [MemberData(nameof(Figures))]
    public async Task Each_figure_is_posted_by_its_owner_only(string kindName, string? adjustsName)
    {
        var pool = await PoolScenario.CreateAsync(fixture.App);
        var kind = Enum.Parse<EntryKind>(kindName);
        EntryKind? adjusts = adjustsName is null ? null : Enum.Parse<EntryKind>(adjustsName);
        var financeLeads = PoolAccess.IsFinanceLeadFigure(adjusts ?? kind);
        var callers = new (string Who, string Token, bool Allowed)[]
        {
            ("the line's host's finance lead", pool.CouncilLead, financeLeads),
            ("another partner's finance lead", pool.TrustLead, false),
            ("the pool manager", pool.ManagerToken, !financeLeads),
        };
        foreach (var (who, token, allowed) in callers)
        {
            var before = (await pool.JournalAsync()).Count;
            using var response = await fixture.App.PostAsync($"{pool.Path}/entries", token, JsonContent.Create(Entry(pool, kind, adjusts)));
            var because = $"{kindName}{(adjustsName is null ? "" : $" of {adjustsName}")} by {who}: {await response.Content.ReadAsStringAsync()}";
            response.StatusCode.Should().Be(allowed ? HttpStatusCode.Created : HttpStatusCode.Forbidden, because);
            (await pool.JournalAsync()).Count.Should().Be(before + (allowed ? 1 : 0), because);
        }
    }
}
