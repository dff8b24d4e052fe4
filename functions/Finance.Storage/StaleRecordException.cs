namespace Finance.Storage;

/// <summary>A record changed (or appeared, or went) since it was read, so a conditional write was refused and nothing
/// was written. The caller reads again and decides again.</summary>
public sealed class StaleRecordException : Exception
{
    public StaleRecordException()
        : base("The record changed since it was read; nothing was written.")
    {
    }

    public StaleRecordException(string message)
        : base(message)
    {
    }

    public StaleRecordException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
