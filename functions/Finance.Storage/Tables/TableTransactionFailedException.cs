using Azure;

namespace Finance.Storage.Tables;

/// <summary>
/// An entity group transaction was refused as a whole: nothing in it was written. <see cref="RequestFailedException.Status"/>
/// and <see cref="RequestFailedException.ErrorCode"/> are those of the operation that failed, at
/// <see cref="FailedEntityIndex"/> in the submitted actions (null when the service did not say which).
/// </summary>
public sealed class TableTransactionFailedException : RequestFailedException
{
    public TableTransactionFailedException()
        : base("The table transaction failed.")
    {
    }

    public TableTransactionFailedException(string message)
        : base(message)
    {
    }

    public TableTransactionFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal TableTransactionFailedException(Response failedOperation, int? failedEntityIndex)
        : base(failedOperation, innerException: null, Http.StorageErrorParser.Instance)
    {
        FailedEntityIndex = failedEntityIndex;
    }

    /// <summary>Index into the submitted actions of the one that failed, when the service named it.</summary>
    public int? FailedEntityIndex { get; }

    /// <summary>The same as <see cref="FailedEntityIndex"/>, under Azure.Data.Tables' name.</summary>
    public int? FailedTransactionActionIndex => FailedEntityIndex;

    public override string Message =>
        FailedEntityIndex is { } index
            ? $"Table transaction failed at action {index}; nothing was written. {base.Message}"
            : $"Table transaction failed; nothing was written. {base.Message}";
}
