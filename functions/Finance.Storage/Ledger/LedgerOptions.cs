namespace Finance.Storage.Ledger;

/// <summary>How hard a posting tries when other writers keep changing the partition under it.</summary>
public sealed class LedgerOptions
{
    /// <summary>Transactions one posting (or month close) tries; each try re-reads and re-validates. 1 to 50.</summary>
    public int MaxPostAttempts
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 50);
            field = value;
        }
    } = LedgerLimits.DefaultMaxPostAttempts;

    /// <summary>The first retry waits up to this long; each further one up to twice as long (full jitter).</summary>
    public TimeSpan RetryBaseDelay
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromMilliseconds(20);

    /// <summary>No retry waits longer than this.</summary>
    public TimeSpan RetryMaxDelay
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromSeconds(1);

    /// <summary>Tests only: runs after a posting is validated and before its transaction is sent (argument: the attempt).</summary>
    internal Func<int, Task>? BeforeSubmitAsync { get; set; }
}
