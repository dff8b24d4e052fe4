using System.Collections.Concurrent;
using System.Diagnostics;
using Finance.Storage.Ledger;

namespace Finance.Functions.Statements;

/// <summary>
/// A statement as the ledger stands, rendered (JSON, CSV or workbook), is the same bytes for every caller allowed to
/// read it while the ledger's version stays the same (the key holds the pool, the version, the month and the form).
/// It is rendered once and served to every request for the next <see cref="ReuseFor"/>, the product owner's bound on
/// how far behind a statement may be, so that 32 partners opening the same statement cost one rendering, not 32 (a
/// 2,000-line workbook is half a second of processor time). Its "drawn at" is then up to that long ago, and true: the
/// ledger had not changed since. Bounded in bytes: past <see cref="MaxBytes"/> everything kept is dropped.
/// </summary>
public sealed class RenderedStatements
{
    public static readonly TimeSpan ReuseFor = LedgerRepository.StatementsBehindBy;

    public const long MaxBytes = 64L * 1024 * 1024;

    private readonly ConcurrentDictionary<string, Rendering> renderings = new(StringComparer.Ordinal);
    private long bytes;

    /// <summary>The bytes under <paramref name="key"/> rendered less than <see cref="ReuseFor"/> ago, else
    /// <paramref name="render"/>'s (run once however many requests ask at the same moment).</summary>
    public byte[] Get(string key, Func<byte[]> render)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(render);
        while (true)
        {
            var rendering = renderings.GetOrAdd(key, _ => new Rendering(render));
            if (Stopwatch.GetElapsedTime(rendering.Started) >= ReuseFor)
            {
                Drop(key, rendering);
                continue;
            }
            byte[] body;
            try
            {
                body = rendering.Body.Value;
            }
            catch
            {
                Drop(key, rendering); // a rendering that failed is not kept for the others
                throw;
            }
            if (Interlocked.Exchange(ref rendering.Counted, 1) == 0 && Interlocked.Add(ref bytes, body.Length) > MaxBytes)
            {
                renderings.Clear();
                Interlocked.Exchange(ref bytes, 0);
            }
            return body;
        }
    }

    private void Drop(string key, Rendering rendering)
    {
        if (renderings.TryRemove(KeyValuePair.Create(key, rendering)) && Volatile.Read(ref rendering.Counted) == 1 && rendering.Body.IsValueCreated)
        {
            Interlocked.Add(ref bytes, -rendering.Body.Value.Length);
        }
    }

    private sealed class Rendering(Func<byte[]> render)
    {
        public long Started { get; } = Stopwatch.GetTimestamp();

        public Lazy<byte[]> Body { get; } = new(render, LazyThreadSafetyMode.ExecutionAndPublication);

        public int Counted;
    }
}
