using Azure;

namespace Finance.Storage.Tables;

/// <summary>One operation in an entity group transaction.</summary>
public sealed class TableTransactionAction
{
    public TableTransactionAction(TableTransactionActionType actionType, TableEntity entity, ETag etag = default)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (!Enum.IsDefined(actionType))
        {
            throw new ArgumentOutOfRangeException(nameof(actionType), actionType, "Unknown transaction action type.");
        }
        ActionType = actionType;
        Entity = entity;
        ETag = etag;
    }

    public TableTransactionActionType ActionType { get; }

    public TableEntity Entity { get; }

    /// <summary>For UpdateMerge, UpdateReplace and Delete: the version the entity must still have; default means any (*).</summary>
    public ETag ETag { get; }
}
