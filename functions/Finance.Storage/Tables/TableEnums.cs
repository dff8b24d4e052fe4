namespace Finance.Storage.Tables;

/// <summary>How an update treats properties the sent entity does not have: Merge keeps them, Replace drops them.</summary>
public enum TableUpdateMode
{
    Merge,
    Replace,
}

/// <summary>The operations an entity group transaction may hold.</summary>
public enum TableTransactionActionType
{
    /// <summary>Insert; fails with 409 if the entity exists.</summary>
    Add,

    /// <summary>Merge into an existing entity (If-Match: the action's ETag, or * when none).</summary>
    UpdateMerge,

    /// <summary>Replace an existing entity (If-Match: the action's ETag, or * when none).</summary>
    UpdateReplace,

    /// <summary>Delete an existing entity (If-Match: the action's ETag, or * when none).</summary>
    Delete,

    /// <summary>Insert or merge.</summary>
    UpsertMerge,

    /// <summary>Insert or replace.</summary>
    UpsertReplace,
}
