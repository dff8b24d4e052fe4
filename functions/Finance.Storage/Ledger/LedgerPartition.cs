using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Finance.Domain.Calendar;
using Finance.Domain.Model;

namespace Finance.Storage.Ledger;

/// <summary>
/// One pool's ledger for one financial year: one partition of the Ledger table, so that everything a posting changes
/// (entries, balances, the head row, the idempotency record) can be written in one entity group transaction.
/// The key is "{pool id}~{2024-25}": keys may not hold '/', so the year is written with a hyphen.
/// </summary>
public sealed record LedgerPartition
{
    public LedgerPartition(PoolId pool, FinancialYear year)
    {
        Pool = pool ?? throw new ArgumentNullException(nameof(pool));
        Year = year ?? throw new ArgumentNullException(nameof(year));
        PartitionKey = string.Create(CultureInfo.InvariantCulture, $"{pool.Value}~{year.StartYear}-{year.EndYear % 100:00}");
    }

    public PoolId Pool { get; }

    public FinancialYear Year { get; }

    public string PartitionKey { get; }

    public static LedgerPartition Of(Pool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return new LedgerPartition(pool.Id, pool.Year);
    }

    /// <summary>Reads "riverside-place~2024-25" back.</summary>
    public static bool TryParse(string? partitionKey, [NotNullWhen(true)] out LedgerPartition? partition)
    {
        partition = null;
        var tilde = partitionKey?.LastIndexOf(LedgerRows.Separator) ?? -1;
        if (partitionKey is null || tilde < 0
            || !PoolId.TryParse(partitionKey[..tilde], out var pool, out _)
            || !FinancialYear.TryParse(partitionKey[(tilde + 1)..].Replace('-', '/'), out var year, out _))
        {
            return false;
        }
        partition = new LedgerPartition(pool, year);
        return partition.PartitionKey == partitionKey;
    }

    public override string ToString() => PartitionKey;
}

/// <summary>
/// The row keys of a ledger partition. Each kind of row has its own prefix, and the prefixes are chosen so that the
/// balance rows and the head row are one contiguous key range (bal~… sorts before head, and nothing else sorts between
/// them), which lets a statement read them in one query:
/// <list type="table">
/// <item><term>head</term><description>the partition's state: sequence numbers, closed months, set-up version, control totals</description></item>
/// <item><term>bal~line~{line}, bal~stream~{stream}, bal~partner~{stream}~{partner}</term><description>the figures a statement reads, per line, stream and partner contribution</description></item>
/// <item><term>id~{entry id}</term><description>claims an entry id, so the service itself refuses a second entry with the same id</description></item>
/// <item><term>idem~{sha-256 of key and principal}</term><description>an Idempotency-Key's first response</description></item>
/// <item><term>journal~{999999999999 − seq}</term><description>the entries, immutable; the inverted sequence number lists newest first</description></item>
/// <item><term>rev~{entry id}</term><description>marks an entry as reversed, so the service refuses a second reversal</description></item>
/// </list>
/// Ids are lower-case letters, digits and hyphens, all below '~', so "{prefix}~" is an exclusive upper bound for
/// every prefix.
/// </summary>
internal static class LedgerRows
{
    public const char Separator = '~';
    public const string Head = "head";
    public const string BalancePrefix = "bal~";
    public const string LineBalancePrefix = "bal~line~";
    public const string StreamBalancePrefix = "bal~stream~";
    public const string PartnerBalancePrefix = "bal~partner~";
    public const string EntryIdPrefix = "id~";
    public const string IdempotencyPrefix = "idem~";
    public const string JournalPrefix = "journal~";
    public const string ReversedPrefix = "rev~";

    /// <summary>The largest sequence number a 12-digit key holds; far above <see cref="Finance.Domain.Limits.MaxEntriesPerCalculation"/>.</summary>
    public const long MaxSeq = 999_999_999_999;

    public static IReadOnlyList<string> Prefixes { get; } =
        [BalancePrefix, EntryIdPrefix, IdempotencyPrefix, JournalPrefix, ReversedPrefix];

    /// <summary>The first key after every key that starts with <paramref name="prefix"/>.</summary>
    public static string End(string prefix) => prefix + Separator;

    public static string Journal(long seq)
    {
        if (seq is < 1 or > MaxSeq)
        {
            throw new ArgumentOutOfRangeException(nameof(seq), seq, $"A sequence number is 1 to {MaxSeq}.");
        }
        return string.Create(CultureInfo.InvariantCulture, $"{JournalPrefix}{MaxSeq - seq:D12}");
    }

    public static long SeqOfJournal(string rowKey)
    {
        if (!rowKey.StartsWith(JournalPrefix, StringComparison.Ordinal)
            || rowKey.Length != JournalPrefix.Length + 12
            || !long.TryParse(rowKey.AsSpan(JournalPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var inverted))
        {
            throw new LedgerInvariantException($"'{rowKey}' is not a journal row key.");
        }
        return MaxSeq - inverted;
    }

    public static string EntryId(Finance.Domain.Ledger.EntryId id) => EntryIdPrefix + id.Value;

    public static string Reversed(Finance.Domain.Ledger.EntryId target) => ReversedPrefix + target.Value;
}
