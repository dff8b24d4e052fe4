using Finance.Functions.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Finance.Benchmarks.Host;

/// <summary>
/// The raw baseline for one request: a minimal Kestrel endpoint in the benchmark's own process, on loopback, answering
/// GET /api/health with the body the app's health function answers when all is well, and doing nothing else (no host,
/// no worker, no storage, no logging). What the host and the worker add to a request is measured against it.
/// </summary>
internal sealed class PlainKestrel : IAsyncDisposable
{
    private static readonly HealthReport Healthy = new("healthy", "ok", "ok");

    private readonly WebApplication app;

    private PlainKestrel(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<PlainKestrel> StartAsync(string path, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/" + path, () => TypedResults.Ok(Healthy));
        await app.StartAsync(cancellationToken);
        // Port 0: Kestrel chose one, and says which in the server's addresses.
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new PlainKestrel(app, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
