using System.Text.Json;
using Finance.Functions.Access;
using Finance.Functions.Catalog;
using Finance.Functions.Http;
using Finance.Functions.Outcomes;
using Finance.Functions.Pools;
using Finance.Storage.Closes;
using Microsoft.Azure.Functions.Worker;
using NodaTime;

namespace Finance.Functions.Closes;

public sealed record ControlTotalList(IReadOnlyList<ControlTotal> ControlTotals);

public sealed record ControlTotalBody(JsonElement? Amount, string? CostCentre = null, string? Reference = null);

/// <summary>Partners' control totals from their own ledgers, one per organisation and month (the latest standing).</summary>
public sealed class ControlTotalService(ControlTotalStore totals, IClock clock)
{
    public const int MaxCostCentreLength = 50;

    /// <summary>A finance lead submits their own organisation's total, for a pool it is party to.</summary>
    public async Task<Outcome<ControlTotal>> PutAsync(
        PoolInScope scope, Caller caller, string year, string month, string organisationId, ControlTotalBody body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(body);
        if (PoolPeriods.Month(scope.Pool, year, month) is not { } financialMonth)
        {
            return Refusal.NoPool(scope.PoolId);
        }
        if (!scope.Pool!.Parties.Organisations.Contains(organisationId, StringComparer.Ordinal))
        {
            return Refusal.NotFound($"'{organisationId}' is not a partner in pool '{scope.PoolId}'.");
        }
        if (!caller.Organisations.Contains(organisationId))
        {
            return Refusal.Forbidden($"Only a finance lead of '{organisationId}' submits its control total.");
        }
        var errors = new FieldErrors();
        var amount = errors.Amount("amount", body.Amount);
        var costCentre = errors.Text("costCentre", body.CostCentre, MaxCostCentreLength);
        var reference = errors.Text("reference", body.Reference, Finance.Domain.Limits.MaxNameLength);
        if (errors.Any)
        {
            return Refusal.Invalid(errors.ToDictionary());
        }
        var total = new ControlTotal(organisationId, financialMonth.Number, amount!.Value.Value, costCentre, reference, caller.Id, clock.GetCurrentInstant());
        await totals.PutAsync(scope.PoolId, financialMonth, total, cancellationToken);
        return Outcome.Of(total);
    }

    public async Task<Outcome<ControlTotalList>> ListAsync(PoolInScope scope, string year, string month, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return PoolPeriods.Month(scope.Pool, year, month) is { } financialMonth
            ? Outcome.Of(new ControlTotalList(await totals.ForMonthAsync(scope.PoolId, financialMonth, cancellationToken)))
            : Refusal.NoPool(scope.PoolId);
    }
}

public sealed class ControlTotalFunctions(ControlTotalService totals, JsonSerializerOptions json)
{
    private const string Totals = "pools/{poolId}/control-totals/{year}/{month}";

    [Function("PutControlTotal")]
    [JsonRequest(typeof(ControlTotalBody))]
    [Access(Rule.SubmitControlTotals)]
    [Summary("A partner's finance lead submits the month's control total from their own ledger for the pool's cost centre; reconciliation reports any difference from the pool's figures.")]
    [Responds(typeof(ControlTotal))]
    [Problems(400, 403, 404, 413, 415)]
    public async Task<IResult> PutControlTotal(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = Totals + "/{organisationId}")] HttpRequest request,
        string poolId, string year, string month, string organisationId, FunctionContext context, CancellationToken cancellationToken)
    {
        var read = await JsonBody.ReadOrRefuseAsync<ControlTotalBody>(request, json, cancellationToken);
        if (!read.Ok)
        {
            return read.Refusal;
        }
        var body = read.Body;
        var outcome = await totals.PutAsync(context.Pool(), context.Caller(), year, month, organisationId, body, cancellationToken);
        return Answers.Of(outcome, request.HttpContext);
    }

    [Function("ListControlTotals")]
    [Access(Rule.ReadPool)]
    [Summary("The control totals submitted for a month.")]
    [Responds(typeof(ControlTotalList))]
    [Problems(404)]
    public async Task<IResult> ListControlTotals(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Totals)] HttpRequest request, string poolId, string year, string month,
        FunctionContext context, CancellationToken cancellationToken) =>
        Answers.Of(await totals.ListAsync(context.Pool(), year, month, cancellationToken), request.HttpContext);
}
