using Finance.Domain.Model;

namespace Finance.Storage.Ledger;

/// <summary>
/// The pool set-up a posting is checked against: the pool for the year, its lines, and the set-up's version. The
/// set-up is kept by the pools API (the Pools table), not in the ledger partition; the ledger's head remembers the
/// newest version any posting used and refuses a posting checked against an older one (<see cref="StaleSetupException"/>).
/// A change to the set-up that must fence off postings checked against the old one calls
/// <see cref="LedgerRepository.AdvanceSetupVersionAsync"/>.
/// </summary>
public sealed record LedgerSetup
{
    public LedgerSetup(Pool pool, IReadOnlyList<BudgetLine> lines, long version)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        if (lines.FirstOrDefault(l => l is null || l.Pool != pool.Id) is { } stranger)
        {
            throw new ArgumentException($"Line '{stranger?.Id}' does not belong to pool '{pool.Id}'.", nameof(lines));
        }
        if (lines.Count > Finance.Domain.Limits.MaxLinesPerPool)
        {
            throw new ArgumentException($"{lines.Count} lines is more than the limit of {Finance.Domain.Limits.MaxLinesPerPool} for a pool.", nameof(lines));
        }
        Pool = pool;
        Lines = lines;
        Version = version;
    }

    public Pool Pool { get; }

    public IReadOnlyList<BudgetLine> Lines { get; }

    /// <summary>Increases whenever the set-up changes (pool, streams, agreement, lines).</summary>
    public long Version { get; }

    public LedgerPartition Partition => LedgerPartition.Of(Pool);
}
