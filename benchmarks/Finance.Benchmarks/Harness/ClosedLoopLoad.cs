using System.Diagnostics;

namespace Finance.Benchmarks.Harness;

/// <summary>What one operation of a load run got back: how much (bytes of an HTTP body, rows of a table scan) and,
/// when it was not what the run expects, a short description of what came instead.</summary>
internal readonly record struct LoadAnswer(long Size, string? Error = null);

/// <summary>One request of a load run, sent by client number <c>client</c> (0-based; for per-client buffers).</summary>
internal delegate ValueTask<LoadAnswer> LoadOperation(int client, CancellationToken cancellationToken);

/// <summary>
/// One load run's figures: requests completed (errors among them) in the measured window, the window's length from its
/// start to the last answer, latencies, and the answers' total size (see <see cref="LoadAnswer.Size"/>).
/// </summary>
internal sealed record LoadResult(long Requests, long Errors, TimeSpan Elapsed, Latencies? LatencyMs, long TotalSize, string? FirstError)
{
    public double MeanSize => Requests > 0 ? (double)TotalSize / Requests : 0;
}

/// <summary>
/// A closed-loop load generator, as wrk runs one: N clients, each sending its next request as soon as its last is
/// answered, for a fixed time. A client starts no request after the deadline; the ones in flight are waited for and
/// counted, so the window runs from the start to the last answer. Every latency goes into a per-client histogram (no
/// locks, no growing lists), merged at the end.
/// </summary>
internal static class ClosedLoopLoad
{
    /// <summary>Exceptions (not answers) in a row on one client after which the run stops: the other end is gone, and
    /// spinning on refused connections would measure nothing.</summary>
    public const int MaxFailuresInARow = 100;

    public static async Task<LoadResult> RunAsync(int clients, TimeSpan duration, LoadOperation operation, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        ArgumentNullException.ThrowIfNull(operation);
        var window = new Window(Stopwatch.GetTimestamp(), duration);
        var runs = await Task.WhenAll(Enumerable.Range(0, clients)
            .Select(client => Task.Run(() => ClientAsync(client, window, operation, cancellationToken), cancellationToken)));

        var histogram = new LatencyHistogram();
        foreach (var run in runs)
        {
            histogram.Add(run.Histogram);
        }
        var lastAnswer = runs.Max(r => r.LastAnswerAt);
        var elapsed = lastAnswer > window.Start ? Stopwatch.GetElapsedTime(window.Start, lastAnswer) : TimeSpan.Zero;
        var first = (Count: runs.Sum(r => r.FirstTenth.Count), Sum: runs.Sum(r => r.FirstTenth.SumMicroseconds));
        var last = (Count: runs.Sum(r => r.LastTenth.Count), Sum: runs.Sum(r => r.LastTenth.SumMicroseconds));
        var latencies = histogram.Count == 0
            ? null
            : new Latencies(
                Ms(histogram.Percentile(0.50)), Ms(histogram.Percentile(0.99)), Ms(histogram.MaxMicroseconds),
                first.Count > 0 ? Ms(first.Sum / first.Count) : 0, last.Count > 0 ? Ms(last.Sum / last.Count) : 0);
        return new LoadResult(
            runs.Sum(r => r.Requests), runs.Sum(r => r.Errors), elapsed, latencies, runs.Sum(r => r.TotalSize),
            runs.Select(r => r.FirstError).FirstOrDefault(e => e is not null));
    }

    /// <summary>To the hundredth of a millisecond: a request through the host to a trivial function takes about one.</summary>
    private static double Ms(double microseconds) => Math.Round(microseconds / 1000, 2);

    /// <summary>The measured window: its start, and the first and last tenths (by when a request was sent) whose mean
    /// latencies say whether the run got slower as it went.</summary>
    private sealed class Window(long start, TimeSpan duration)
    {
        public long Start { get; } = start;

        public long Deadline { get; } = start + Ticks(duration);

        public long FirstTenthEnds { get; } = start + Ticks(duration / 10);

        public long LastTenthStarts { get; } = start + Ticks(duration * 9 / 10);

        private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
    }

    private sealed class ClientRun
    {
        public LatencyHistogram Histogram { get; } = new();

        public long Requests { get; set; }

        public long Errors { get; set; }

        public long TotalSize { get; set; }

        public long LastAnswerAt { get; set; }

        public string? FirstError { get; set; }

        public (long Count, double SumMicroseconds) FirstTenth { get; set; }

        public (long Count, double SumMicroseconds) LastTenth { get; set; }
    }

    private static async Task<ClientRun> ClientAsync(int client, Window window, LoadOperation operation, CancellationToken cancellationToken)
    {
        var run = new ClientRun();
        var failuresInARow = 0;
        long sent;
        while ((sent = Stopwatch.GetTimestamp()) < window.Deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            LoadAnswer answer;
            try
            {
                answer = await operation(client, cancellationToken);
                failuresInARow = 0;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or Azure.RequestFailedException
                                          || e is TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not answered (refused, reset, timed out): an error, with no latency to record.
                run.Requests++;
                run.Errors++;
                run.FirstError ??= $"{e.GetType().Name}: {e.Message}";
                if (++failuresInARow >= MaxFailuresInARow)
                {
                    throw new ApiCallFailedException($"Client {client} of a load run failed {failuresInARow} times in a row; the last: {e.Message}", e.ToString());
                }
                continue;
            }
            var answeredAt = Stopwatch.GetTimestamp();
            var microseconds = Stopwatch.GetElapsedTime(sent, answeredAt).Ticks / (double)TimeSpan.TicksPerMicrosecond;
            run.Histogram.Record((long)microseconds);
            run.Requests++;
            run.TotalSize += answer.Size;
            run.LastAnswerAt = answeredAt;
            if (answer.Error is not null)
            {
                run.Errors++;
                run.FirstError ??= answer.Error;
            }
            if (sent < window.FirstTenthEnds)
            {
                run.FirstTenth = (run.FirstTenth.Count + 1, run.FirstTenth.SumMicroseconds + microseconds);
            }
            else if (sent >= window.LastTenthStarts)
            {
                run.LastTenth = (run.LastTenth.Count + 1, run.LastTenth.SumMicroseconds + microseconds);
            }
        }
        return run;
    }
}

/// <summary>
/// Latencies in a fixed set of buckets, as HdrHistogram keeps them: 1 µs wide below 1 ms, then each 0.5% wider than the
/// last, up to <see cref="MaxMicroseconds"/>' bucket (about 2,400 buckets reach 2 minutes). A percentile is within 0.5%
/// of the true value; the slowest is kept exactly.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int LinearBuckets = 1000;
    private const double Growth = 1.005;

    /// <summary>The request time-out is 2 minutes; anything longer falls in the last bucket.</summary>
    private static readonly long LongestMicroseconds = (long)ApiClient.RequestTimeout.TotalMicroseconds;

    private static readonly int BucketCount = Index(LongestMicroseconds) + 1;

    private readonly long[] counts = new long[BucketCount];

    public long Count { get; private set; }

    public long MaxMicroseconds { get; private set; }

    public void Record(long microseconds)
    {
        var value = Math.Max(0, microseconds);
        counts[Math.Min(Index(value), BucketCount - 1)]++;
        Count++;
        MaxMicroseconds = Math.Max(MaxMicroseconds, value);
    }

    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] += other.counts[i];
        }
        Count += other.Count;
        MaxMicroseconds = Math.Max(MaxMicroseconds, other.MaxMicroseconds);
    }

    /// <summary>The value at rank ⌈p·n⌉ (as <see cref="Latencies.Of"/> takes it from a sorted list): the middle of its
    /// bucket, never above the slowest seen.</summary>
    public double Percentile(double p)
    {
        if (Count == 0)
        {
            return 0;
        }
        var rank = Math.Clamp((long)Math.Ceiling(p * Count) - 1, 0, Count - 1);
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen > rank)
            {
                return Math.Min(Middle(i), MaxMicroseconds);
            }
        }
        return MaxMicroseconds;
    }

    private static int Index(long microseconds) => microseconds < LinearBuckets
        ? (int)microseconds
        : LinearBuckets + (int)(Math.Log(microseconds / (double)LinearBuckets) / Math.Log(Growth));

    private static double Middle(int index) => index < LinearBuckets
        ? index + 0.5
        : LinearBuckets * Math.Pow(Growth, index - LinearBuckets + 0.5);
}
