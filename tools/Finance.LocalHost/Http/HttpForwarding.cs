using System.Diagnostics;
using System.Net;
using Finance.LocalHost.Rpc;
using Finance.LocalHost.Worker;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Finance.LocalHost.Http;

/// <summary>
/// One HTTP invocation as the real host runs it for a worker with the ASP.NET Core integration
/// (GrpcWorkerChannel.SendInvocationRequest, DefaultHttpProxyService): start forwarding the request to the worker's
/// HttpUri with YARP's IHttpForwarder (its default transformer: X-Forwarded-For/Host/Proto added, original Host
/// dropped; no redirects, no cookies, no decompression) carrying x-ms-invocation-id, then send the InvocationRequest.
/// The worker pairs the two by that id. The worker's answer streams straight through to the client. A failed
/// invocation whose answer has not started (the worker answers 200 with an empty, unflushed body) becomes a 500.
/// </summary>
internal sealed class HttpForwarding(IHttpForwarder forwarder, Invoker invoker) : IDisposable
{
    public const string InvocationIdHeader = "x-ms-invocation-id";

    /// <summary>The real host's: how long the forwarded exchange may sit idle.</summary>
    private static readonly ForwarderRequestConfig RequestConfig = new() { ActivityTimeout = TimeSpan.FromSeconds(240) };

    private readonly HttpMessageInvoker client = new(new ConnectRetryHandler(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        ActivityHeadersPropagator = null,
    }));

    public async Task RunAsync(HttpContext context, WorkerSession session, RouteMatch match)
    {
        var function = session.Catalog.Find(match.Function.Name) ?? match.Function;
        if (session.HttpUri is null)
        {
            await Problems.WriteAsync(context, StatusCodes.Status500InternalServerError,
                "The worker has no HTTP endpoint (HttpUri): HTTP functions need ConfigureFunctionsWebApplication().");
            return;
        }

        var request = context.Request;
        var invocation = new InvocationRequest
        {
            InvocationId = Guid.NewGuid().ToString(),
            FunctionId = function.FunctionId,
            TraceContext = TraceContextOf(request),
        };
        // With proxying the trigger's input is an empty RpcHttp: the request itself travels over HTTP.
        invocation.InputData.Add(new ParameterBinding
        {
            Name = function.TriggerBindingName,
            Data = new TypedData { Http = new RpcHttp() },
        });
        invocation.TriggerMetadata.Add(await HttpTriggerMetadata.ReadAsync(request, match.Values, context.RequestAborted));
        // Set, not added: an id sent by the client must not pair this request with another invocation.
        request.Headers[InvocationIdHeader] = invocation.InvocationId;

        Task<ForwarderError>? forwarding = null;
        void StartForwarding()
        {
            forwarding = forwarder.SendAsync(context, session.HttpUri.AbsoluteUri, client, RequestConfig, HttpTransformer.Default).AsTask();
            // A request that never reached the worker leaves its invocation waiting 15 s for it there: cancel it now.
            _ = forwarding.ContinueWith(
                sent =>
                {
                    if (sent.Result != ForwarderError.None)
                    {
                        session.Channel.TryCancel(invocation.InvocationId);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
        var outcome = await invoker.InvokeAsync(session, function, invocation, StartForwarding, context.RequestAborted);
        var forwarded = forwarding is null ? ForwarderError.Request : await forwarding;

        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        if (outcome.Status != InvocationStatus.Succeeded)
        {
            await FailAsync(context, $"The invocation failed ({outcome.InvocationId}); the host's log says why.");
        }
        else if (forwarded != ForwarderError.None)
        {
            await FailAsync(context, $"Forwarding to the worker failed ({forwarded}).", StatusCodes.Status502BadGateway);
        }
    }

    /// <summary>As the real host's ExceptionMiddleware: rewrite the answer if it has not started, else abort it so a
    /// truncated body is never mistaken for a whole one.</summary>
    private static async Task FailAsync(HttpContext context, string detail, int status = StatusCodes.Status500InternalServerError)
    {
        if (context.Response.HasStarted)
        {
            context.Abort();
            return;
        }
        context.Response.Clear();
        await Problems.WriteAsync(context, status, detail);
    }

    /// <summary>Continues the caller's W3C trace if it sent one, as the host's request activity would.</summary>
    private static RpcTraceContext TraceContextOf(HttpRequest request)
    {
        var traceId = ActivityContext.TryParse(request.Headers.TraceParent, request.Headers.TraceState, out var parent)
            ? parent.TraceId
            : ActivityTraceId.CreateRandom();
        return new RpcTraceContext
        {
            TraceParent = $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01",
            TraceState = request.Headers.TraceState.ToString(),
        };
    }

    public void Dispose() => client.Dispose();
}
