using Finance.LocalHost.Functions;
using Finance.LocalHost.Logging;
using Finance.LocalHost.Rpc;
using Finance.LocalHost.Settings;
using Microsoft.Extensions.Logging;

namespace Finance.LocalHost.Worker;

/// <summary>The functions one worker run loaded, by name, with those whose FunctionLoadResponse failed.</summary>
internal sealed record FunctionCatalog(IReadOnlyList<HostedFunction> Functions, IReadOnlyDictionary<string, string> LoadErrors)
{
    public HostedFunction? Find(string name) =>
        Functions.FirstOrDefault(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// One running worker: its process, its stream and what it loaded. Initialising it is the real host's start-up
/// sequence: WorkerInitRequest, FunctionsMetadataRequest, then one FunctionLoadRequest per function.
/// </summary>
internal sealed class WorkerSession
{
    /// <summary>The host release whose protocol this host follows; the worker reports it but does not act on it.</summary>
    public const string HostVersion = "4.1037.0.0";

    private readonly TaskCompletionSource gone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WorkerSession(WorkerProcess process, WorkerChannel channel, FunctionCatalog catalog, Uri? httpUri, string workerVersion)
    {
        Process = process;
        Channel = channel;
        Catalog = catalog;
        HttpUri = httpUri;
        WorkerVersion = workerVersion;
    }

    public WorkerProcess Process { get; }

    public WorkerChannel Channel { get; }

    public FunctionCatalog Catalog { get; }

    /// <summary>The worker's own Kestrel, to which HTTP requests are forwarded (its HttpUri capability).</summary>
    public Uri? HttpUri { get; }

    public string WorkerVersion { get; }

    /// <summary>Set before the host stops the worker on purpose, so its exit does not count as a crash.</summary>
    public bool ExitExpected { get; set; }

    /// <summary>Completes once the host has dealt with the worker's exit: requests now wait for its successor.</summary>
    public Task Gone => gone.Task;

    public void MarkGone() => gone.TrySetResult();

    public static async Task<WorkerSession> InitializeAsync(
        WorkerProcess process, WorkerChannel channel, string appDirectory, HostJson hostJson, AppSettingNames settings,
        HostLog log, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var initRequest = new WorkerInitRequest
        {
            HostVersion = HostVersion,
            WorkerDirectory = appDirectory,
            FunctionAppDirectory = appDirectory,
        };
        // As the real host: it allows more than one stream per worker id (the .NET worker opens one).
        initRequest.Capabilities.Add("MultiStream", "10");
        var init = (await channel.RequestAsync(new StreamingMessage { WorkerInitRequest = initRequest }, timeout, cancellationToken))
            .WorkerInitResponse;
        ThrowIfFailed(init.Result, "WorkerInitRequest");
        channel.ApplyCapabilities(new Dictionary<string, string>(init.Capabilities));
        Uri? httpUri = init.Capabilities.TryGetValue("HttpUri", out var declared)
            && Uri.TryCreate(declared, UriKind.Absolute, out var parsed) ? parsed : null;

        var metadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = appDirectory };
        var metadataReply = await channel.RequestAsync(
            new StreamingMessage { FunctionsMetadataRequest = metadataRequest }, timeout, cancellationToken);
        var metadata = metadataReply.FunctionMetadataResponse;
        if (metadata.Result is not null)
        {
            ThrowIfFailed(metadata.Result, "FunctionsMetadataRequest");
        }
        if (metadata.UseDefaultMetadataIndexing)
        {
            throw new InvalidOperationException(
                "The worker asked the host to index functions itself (function.json); the local host supports worker indexing only.");
        }

        var declaredFunctions = FunctionMetadataReader.Read(metadata, hostJson.RoutePrefix, settings, w => log.Host(LogLevel.Warning, w));
        var loads = declaredFunctions.Select(async d =>
        {
            var request = new StreamingMessage { FunctionLoadRequest = d.LoadRequest };
            var reply = await channel.RequestAsync(request, timeout, cancellationToken);
            return (d.Function, reply.FunctionLoadResponse.Result);
        });
        var loadErrors = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (function, result) in await Task.WhenAll(loads))
        {
            if (result.Status != StatusResult.Types.Status.Success)
            {
                var error = Describe(result);
                loadErrors[function.Name] = error;
                log.Host(LogLevel.Error, $"The worker failed to load {function.Name}: {error}");
            }
        }
        if (httpUri is null && declaredFunctions.Any(d => d.Function.Trigger == FunctionTriggerKind.Http))
        {
            log.Host(LogLevel.Error, "The worker reported no HttpUri: HTTP functions need the ASP.NET Core integration "
                + "(ConfigureFunctionsWebApplication); their requests will fail.");
        }
        if (httpUri is not null)
        {
            await WaitUntilListeningAsync(httpUri, cancellationToken);
        }
        var catalog = new FunctionCatalog([.. declaredFunctions.Select(d => d.Function)], loadErrors);
        return new WorkerSession(process, channel, catalog, httpUri, init.WorkerVersion);
    }

    /// <summary>
    /// The worker reports HttpUri before its Kestrel listens, and a WorkerTerminate in that gap makes it crash (exit
    /// 134: Kestrel's bind is cancelled and nothing catches it). So a worker counts as running only once its HTTP port
    /// accepts connections; the real host has no such wait and retries its first forwards instead.
    /// </summary>
    private static async Task WaitUntilListeningAsync(Uri httpUri, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(httpUri.Host, httpUri.Port, cancellationToken);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(ListeningProbeInterval, cancellationToken);
            }
        }
    }

    /// <summary>How often the worker's HTTP port is tried while it starts.</summary>
    private static readonly TimeSpan ListeningProbeInterval = TimeSpan.FromMilliseconds(20);

    public static string Describe(StatusResult result) =>
        result.Exception is { } exception
            ? $"{exception.Type}: {exception.Message}".TrimStart(':', ' ')
            : result.Result.Length > 0 ? result.Result : result.Status.ToString();

    private static void ThrowIfFailed(StatusResult result, string request)
    {
        if (result.Status == StatusResult.Types.Status.Failure)
        {
            throw new InvalidOperationException($"The worker failed {request}: {Describe(result)}");
        }
    }
}
