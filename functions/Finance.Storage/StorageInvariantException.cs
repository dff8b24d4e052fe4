namespace Finance.Storage;

/// <summary>
/// A stored record does not read back as a valid value: a property missing, of the wrong type, or a value the code
/// does not know (an import status, a risk-share rule). Never a user's error and never silently defaulted: a bug,
/// an edit by hand or tampering. The message names the record (table and keys, or blob name) and the property.
/// </summary>
public class StorageInvariantException : Exception
{
    public StorageInvariantException()
        : base("A stored record does not read back as a valid value.")
    {
    }

    public StorageInvariantException(string message)
        : base(message)
    {
    }

    public StorageInvariantException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <param name="record">Which record: "Pools pool-a/pool", "statements blob pool-a/2024-25/0001-close-m04.json".</param>
    public StorageInvariantException(string record, string problem, Exception? innerException = null)
        : base($"Stored record {record}: {problem}", innerException)
    {
        Record = record;
    }

    public string? Record { get; }
}
