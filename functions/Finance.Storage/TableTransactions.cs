using Azure;
using Azure.Data.Tables;

namespace Finance.Storage;

/// <summary>
/// Entity group transactions, with the service's limits enforced before the SDK is called: Azurite answers a batch of
/// more than 100 operations with a malformed reply that Azure.Data.Tables surfaces as a plain
/// <see cref="InvalidOperationException"/>, not a <see cref="RequestFailedException"/>, so it must never be sent.
/// </summary>
public static class TableTransactions
{
    /// <summary>The most operations one transaction may hold (and all in one partition).</summary>
    public const int MaxActions = 100;

    /// <summary>Submits the actions as one all-or-nothing transaction; a refusal is
    /// <see cref="TableTransactionFailedException"/> with the index of the action at fault.</summary>
    public static async Task<IReadOnlyList<Response>> SubmitAsync(
        TableClient table, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(actions);
        if (actions.Count is 0 or > MaxActions)
        {
            throw new ArgumentException($"A transaction holds 1 to {MaxActions} actions, not {actions.Count}.", nameof(actions));
        }
        var partition = actions[0].Entity.PartitionKey;
        if (actions.Any(a => a.Entity.PartitionKey != partition))
        {
            throw new ArgumentException("Every action of a transaction must be in one partition.", nameof(actions));
        }
        var keys = new HashSet<string>(StringComparer.Ordinal);
        if (actions.FirstOrDefault(a => !keys.Add(a.Entity.RowKey)) is { } twice)
        {
            throw new ArgumentException($"Row '{twice.Entity.RowKey}' appears twice in one transaction.", nameof(actions));
        }
        var response = await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        return response.Value;
    }
}
