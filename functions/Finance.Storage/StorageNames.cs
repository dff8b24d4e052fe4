namespace Finance.Storage;

/// <summary>
/// The tables and blob containers of the ledger storage account. The app creates any that are missing on first use
/// (locally, in Azurite); in Azure the Bicep creates them, and the infrastructure tests check the two lists agree.
/// </summary>
public static class StorageNames
{
    /// <summary>Pools and their set-up, imports, the tips of close chains and control totals (one partition per pool).</summary>
    public const string PoolsTable = "Pools";

    /// <summary>Journal entries, the balances statements read and idempotency records, one partition per pool and
    /// financial year (idempotency records live there so they commit in the same transaction as the entries).</summary>
    public const string LedgerTable = "Ledger";

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

    public static IReadOnlyList<string> Tables { get; } = [PoolsTable, LedgerTable, DirectoryTable, RunsTable];

    public static IReadOnlyList<string> Containers { get; } = [ImportsContainer, StatementsContainer, ReportsContainer];
}
