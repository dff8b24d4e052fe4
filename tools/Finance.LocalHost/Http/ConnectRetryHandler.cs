namespace Finance.LocalHost.Http;

/// <summary>
/// Retries a forwarded request whose connection to the worker could not be made. The worker reports its HttpUri in
/// WorkerInitResponse before its Kestrel listens (seen here: functions loaded, the first request refused, "Now
/// listening" half a second later), so the real host retries the same way (Server/RetryProxyHandler: 50 ms doubling
/// to 250 ms). Only connection failures are retried: nothing of the request has been sent then, so resending is safe.
/// </summary>
internal sealed class ConnectRetryHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    /// <summary>Attempts in all: about 4.5 s of waiting, above the real host's 10 (about 2 s), since this machine is shared.</summary>
    private const int MaxAttempts = 20;

    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(250);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var delay = FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError && attempt < MaxAttempts)
            {
                await Task.Delay(delay, cancellationToken);
                delay = delay * 2 < MaxDelay ? delay * 2 : MaxDelay;
            }
        }
    }
}
