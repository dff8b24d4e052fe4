namespace Finance.Functions.Configuration;

/// <summary>
/// The tables and blob containers of the ledger storage account. The app creates any that are missing at start-up
/// (locally, in Azurite); in Azure the Bicep creates them, and the infrastructure tests check the two lists agree.
/// </summary>
public static class StorageNames
{
    /// <summary>Pools and their set-up (one partition per pool).</summary>
    public const string PoolsTable = "Pools";

    /// <summary>Journal entries and the balances statements read, one partition per pool and financial year.</summary>
    public const string LedgerTable = "Ledger";

    /// <summary>Stored first responses of POSTs, keyed by Idempotency-Key.</summary>
    public const string IdempotencyTable = "Idempotency";

    /// <summary>Organisations, principals' memberships and roles maintained by an Administrator.</summary>
    public const string DirectoryTable = "Directory";

    /// <summary>Timer runs (heartbeat, month-end) and their last outcome.</summary>
    public const string RunsTable = "Runs";

    /// <summary>Raw CSV uploads, kept as received.</summary>
    public const string ImportsContainer = "imports";

    /// <summary>Frozen month-end statements, written once; time-based immutability in Azure.</summary>
    public const string StatementsContainer = "statements";

    /// <summary>Reconciliation run reports and exports.</summary>
    public const string ReportsContainer = "reports";

    public static IReadOnlyList<string> Tables { get; } = [PoolsTable, LedgerTable, IdempotencyTable, DirectoryTable, RunsTable];

    public static IReadOnlyList<string> Containers { get; } = [ImportsContainer, StatementsContainer, ReportsContainer];
}
