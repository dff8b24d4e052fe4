using System.Text.Json;
using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Domain.Reconciliation;
using Finance.Functions.Access;
using Finance.Functions.Hosting;
using Finance.Functions.Pools;
using Finance.Functions.Setup;
using Finance.Storage.Closes;
using Finance.Storage.Ledger;
using NodaTime;

namespace Finance.Functions.Closes;

/// <summary>
/// The reconciliation check against partners' control totals: the month's actuals and prior-year invoices on the lines
/// an organisation hosts must equal what its own ledger shows for the pool's cost centre.
/// </summary>
public static class ControlTotals
{
    public const string ControlTotalDiffers = "control-total-differs";

    /// <summary>A warning for each control total that differs from the pool's figures for the organisation's lines.</summary>
    public static IEnumerable<Finding> Check(LedgerSetup setup, IReadOnlyList<JournalEntry> entries, FinancialMonth month, IReadOnlyList<ControlTotal> totals)
    {
        var byId = entries.GroupBy(e => e.Id).ToDictionary(g => g.Key, g => g.First());
        // The figure an entry moves: its own kind, the kind it adjusts, or (for a reversal) that of the entry it reverses.
        EntryKind? Figure(JournalEntry e) => e.Kind switch
        {
            EntryKind.Reversal => e.ReversesEntryId is { } id && byId.TryGetValue(id, out var reversed) ? Figure(reversed) : null,
            EntryKind.Adjustment => e.AdjustsKind,
            _ => e.Kind,
        };
        foreach (var total in totals)
        {
            var lines = setup.Lines.Where(l => l.Host.Value == total.Organisation).Select(l => l.Id).ToHashSet();
            var pool = Pence.Sum(entries
                .Where(e => e.Month == month && e.Line is { } line && lines.Contains(line) && Figure(e) is EntryKind.Actual or EntryKind.PriorYearInvoice)
                .Select(e => e.Amount));
            var theirs = new Pence(total.AmountPence);
            if (pool != theirs)
            {
                yield return new Finding(ControlTotalDiffers, Severity.Warning,
                    $"{total.Organisation}'s ledger shows {theirs} for {month}{(total.CostCentre is null ? "" : $" (cost centre {total.CostCentre})")}, "
                    + $"but the pool has {pool} of actuals on the lines it hosts: a difference of {pool - theirs}.",
                    Partner: new OrganisationId(total.Organisation), Month: month);
            }
        }
    }
}

public static class ControlTotalsApi
{
    public static IEndpointRouteBuilder MapControlTotalsApi(this IEndpointRouteBuilder app)
    {
        app.MapHttpFunction("PutControlTotal", "PUT", "pools/{poolId}/control-totals/{year}/{month}/{organisationId}", AuthLevel.Function, AccessRules.SubmitControlTotals, Put)
            .WithSummary("A partner's finance lead submits the month's control total from their own ledger for the pool's cost centre; reconciliation reports any difference from the pool's figures.");
        app.MapHttpFunction("ListControlTotals", "GET", "pools/{poolId}/control-totals/{year}/{month}", AuthLevel.Function, AccessRules.ReadPool, List)
            .WithSummary("The control totals submitted for a month.");
        return app;
    }

    public sealed record ControlTotalBody(JsonElement? Amount, string? CostCentre = null, string? Reference = null);

    internal static async Task<IResult> Put(
        string year, string month, string organisationId, Caller caller, PoolInScope scope, HttpRequest request, ControlTotalStore totals, IClock clock,
        JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        if (Month(scope, year, month) is not { } financialMonth)
        {
            return Problems.NotFound(PoolsApi.NotFoundDetail(scope.PoolId));
        }
        if (!scope.Pool!.Parties.Organisations.Contains(organisationId, StringComparer.Ordinal))
        {
            return Problems.NotFound($"'{organisationId}' is not a partner in pool '{scope.PoolId}'.");
        }
        if (!caller.Organisations.Contains(organisationId))
        {
            return Problems.Status(StatusCodes.Status403Forbidden, "Forbidden.", $"Only a finance lead of '{organisationId}' submits its control total.");
        }
        ControlTotalBody body;
        try
        {
            body = await JsonBody.ReadAsync<ControlTotalBody>(request, json, JsonBody.DefaultMaxBytes, cancellationToken);
        }
        catch (JsonBodyException e)
        {
            return e.ToResult();
        }
        var errors = new FieldErrors();
        var amount = errors.Amount("amount", body.Amount);
        var costCentre = errors.Text("costCentre", body.CostCentre, 50);
        var reference = errors.Text("reference", body.Reference, Finance.Domain.Limits.MaxNameLength);
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var total = new ControlTotal(organisationId, financialMonth.Number, amount!.Value.Value, costCentre, reference, caller.Id, clock.GetCurrentInstant());
        await totals.PutAsync(scope.PoolId, financialMonth, total, cancellationToken);
        return TypedResults.Ok(total);
    }

    internal static async Task<IResult> List(string year, string month, PoolInScope scope, ControlTotalStore totals, CancellationToken cancellationToken) =>
        Month(scope, year, month) is { } financialMonth
            ? TypedResults.Ok(new { controlTotals = await totals.ForMonthAsync(scope.PoolId, financialMonth, cancellationToken) })
            : Problems.NotFound(PoolsApi.NotFoundDetail(scope.PoolId));

    private static FinancialMonth? Month(PoolInScope scope, string year, string month) => PoolPeriods.Month(scope.Pool, year, month);
}
