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

    /// <summary>
    /// How long a pool's drainer bases a transaction on the head and balance rows as it last wrote or read them instead
    /// of reading them again (see <see cref="LedgerRepository.PostAsync"/>): short, so that when other instances post
    /// too, a memory they made stale costs at most a refused transaction now and then. Zero: always read.
    /// </summary>
    public TimeSpan RememberRowsFor
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
