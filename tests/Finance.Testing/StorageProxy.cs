using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Finance.Testing;

/// <summary>One storage request as it left the app: verb, unescaped URI and body.</summary>
public sealed record StorageRequest(string Method, string Uri, string Body);

/// <summary>
/// A storage account between the worker process and Azurite, for tests that must see what the app sends to storage
/// (the app runs in its own process, so this is the only place to look): every request is recorded, then either
/// forwarded to Azurite by YARP or answered with a storage failure whose message holds <see cref="SecretDetail"/>,
/// which must never reach a caller. Point the app at it with <see cref="ConnectionString"/>.
/// </summary>
public sealed class StorageProxy : IAsyncDisposable
{
    public const string SecretDetail = "SECRET-STORAGE-DETAIL";

    private readonly WebApplication app;
    private readonly HttpMessageInvoker client;
    private readonly ConcurrentQueue<StorageRequest> requests;

    private StorageProxy(WebApplication app, HttpMessageInvoker client, ConcurrentQueue<StorageRequest> requests, int tablePort, int blobPort)
    {
        this.app = app;
        this.client = client;
        this.requests = requests;
        ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName={Azurite.AccountName};AccountKey={Azurite.AccountKey};" +
            $"TableEndpoint=http://127.0.0.1:{tablePort}/{Azurite.AccountName};BlobEndpoint=http://127.0.0.1:{blobPort}/{Azurite.AccountName};";
    }

    public string ConnectionString { get; }

    public IReadOnlyList<StorageRequest> Requests => requests.ToArray();

    /// <summary>Storage that fails every request with a 500 carrying <see cref="SecretDetail"/>.</summary>
    public static Task<StorageProxy> FailingAsync() => StartAsync(null);

    /// <summary>The shared Azurite, every request recorded on the way.</summary>
    public static async Task<StorageProxy> ForAzuriteAsync() => await StartAsync(await Azurite.SharedAsync());

    /// <summary>Forgets what was recorded so far.</summary>
    public void Clear() => requests.Clear();

    /// <summary>Waits until a request matching <paramref name="match"/> has been recorded.</summary>
    public async Task WaitForAsync(Func<StorageRequest, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!requests.Any(match))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No such storage request within {timeout}; seen: {string.Join(", ", requests.Select(r => r.Method + " " + r.Uri))}");
            }
            await Task.Delay(25);
        }
    }

    private static async Task<StorageProxy> StartAsync(Azurite? azurite)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // Two ports: tables and blobs, as Azurite serves them, so each request goes back to the service it was meant for.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        builder.Services.AddHttpForwarder();
        var app = builder.Build();
        var recorded = new ConcurrentQueue<StorageRequest>();
        var client = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false });
        var tablePort = 0;
        app.Run(async context =>
        {
            context.Request.EnableBuffering();
            using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8, leaveOpen: true))
            {
                var body = await reader.ReadToEndAsync(context.RequestAborted);
                recorded.Enqueue(new StorageRequest(
                    context.Request.Method, Uri.UnescapeDataString(context.Request.Path + context.Request.QueryString.ToString()), body));
            }
            context.Request.Body.Position = 0;
            if (azurite is null)
            {
                await FailAsync(context);
                return;
            }
            var destination = context.Connection.LocalPort == tablePort ? azurite.TableEndpoint : azurite.BlobEndpoint;
            await app.Services.GetRequiredService<IHttpForwarder>()
                .SendAsync(context, $"{destination.Scheme}://{destination.Authority}/", client, ForwarderRequestConfig.Empty);
        });
        await app.StartAsync();
        var ports = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(address => new Uri(address).Port).ToArray();
        tablePort = ports[0];
        return new StorageProxy(app, client, recorded, ports[0], ports[1]);
    }

    private static async Task FailAsync(HttpContext context)
    {
        context.Response.StatusCode = (int)HttpStatusCode.InternalServerError;
        context.Response.Headers["x-ms-error-code"] = "InternalError";
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(
            "{\"odata.error\":{\"code\":\"InternalError\",\"message\":{\"lang\":\"en-US\",\"value\":\"" + SecretDetail +
            " in account " + Azurite.AccountName + "\"}}}");
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        client.Dispose();
    }
}
