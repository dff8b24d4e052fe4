using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Finance.LocalHost;

/// <summary>
/// The `measure` verb: the app's cold start through this host (median of several starts) and the host's warm cost per
/// request (sequential GETs of one anonymous function), beside a plain Kestrel app answering the same JSON in the same
/// process and run, as the raw baseline. A measurement to cite, not a test: it asserts nothing.
/// </summary>
internal static class Measurement
{
    private const string FunctionName = "Health";

    /// <summary>Requests sent before timing, so connections and JIT are warm in both servers.</summary>
    private const int WarmupRequests = 200;

    public static async Task RunAsync(LocalHostOptions options, int runs, int requests, TextWriter output)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var cold = new List<(StartupTimings Startup, TimeSpan FirstAnswer)>();
        string? path = null;
        for (var run = 0; run < runs; run++)
        {
            var clock = Stopwatch.StartNew();
            await using var host = await FunctionsHost.StartAsync(options);
            path ??= PathOf(host);
            using var response = await client.GetAsync(new Uri(host.BaseAddress, path));
            response.EnsureSuccessStatusCode();
            cold.Add((host.Startup, clock.Elapsed));
        }

        TimeSpan[] throughHost;
        TimeSpan[] invocations;
        await using (var host = await FunctionsHost.StartAsync(options))
        {
            throughHost = await TimeRequestsAsync(client, new Uri(host.BaseAddress, path), requests);
            // The share spent between InvocationRequest sent and InvocationResponse read (the host keeps the last 1,000).
            invocations = [.. host.RecentInvocations.Where(i => i.FunctionName == FunctionName).TakeLast(requests).Select(i => i.Duration)];
        }
        TimeSpan[] baseline;
        await using (var plain = await PlainKestrel.StartAsync(path!))
        {
            baseline = await TimeRequestsAsync(client, plain.Address, requests);
        }

        string Ms(TimeSpan value) => value.TotalMilliseconds.ToString("0.00", CultureInfo.InvariantCulture);
        TimeSpan Median(Func<(StartupTimings Startup, TimeSpan FirstAnswer), TimeSpan> pick) =>
            cold.Select(pick).Order().ElementAt(cold.Count / 2);
        await output.WriteLineAsync(
            $"App: {Path.GetFullPath(options.AppDirectory)}; function {FunctionName} (GET /{path}); {Environment.ProcessorCount} cores");
        await output.WriteLineAsync($"Cold start through the host, median of {runs} (ms from FunctionsHost.StartAsync):");
        await output.WriteLineAsync($"  servers listening   {Ms(Median(c => c.Startup.ServerListening))}");
        await output.WriteLineAsync($"  worker launched     {Ms(Median(c => c.Startup.WorkerLaunched))}");
        await output.WriteLineAsync($"  worker connected    {Ms(Median(c => c.Startup.WorkerConnected))}");
        await output.WriteLineAsync($"  functions loaded    {Ms(Median(c => c.Startup.FunctionsLoaded))}");
        await output.WriteLineAsync($"  first answer        {Ms(Median(c => c.FirstAnswer))}");
        await output.WriteLineAsync($"Warm, {requests} sequential GETs (ms per request):");
        string P50P99(TimeSpan[] samples) => $"p50 {Ms(Percentile(samples, 0.50))}  p99 {Ms(Percentile(samples, 0.99))}";
        await output.WriteLineAsync($"  through the host    {P50P99(throughHost)}");
        await output.WriteLineAsync($"  of which invocation {P50P99(invocations)}  (InvocationRequest to InvocationResponse, last {invocations.Length})");
        await output.WriteLineAsync($"  plain Kestrel       {P50P99(baseline)}");
    }

    private static string PathOf(FunctionsHost host)
    {
        var function = host.Functions.FirstOrDefault(f => f.Name == FunctionName && f.Trigger == FunctionTriggerKind.Http)
            ?? throw new InvalidOperationException($"The app has no HTTP function named {FunctionName} to measure.");
        if (function.AuthLevel != FunctionAuthLevel.Anonymous || function.Route!.Contains('{', StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{FunctionName} must be anonymous and take no route parameters to be measured.");
        }
        return function.Route;
    }

    private static async Task<TimeSpan[]> TimeRequestsAsync(HttpClient client, Uri address, int requests)
    {
        for (var i = 0; i < WarmupRequests; i++)
        {
            using var warm = await client.GetAsync(address);
            warm.EnsureSuccessStatusCode();
        }
        var timings = new TimeSpan[requests];
        for (var i = 0; i < requests; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await client.GetAsync(address);
            await response.Content.ReadAsByteArrayAsync();
            timings[i] = clock.Elapsed;
            response.EnsureSuccessStatusCode();
        }
        return timings;
    }

    private static TimeSpan Percentile(TimeSpan[] samples, double fraction)
    {
        var sorted = samples.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(fraction * sorted.Length) - 1)];
    }

    /// <summary>The raw baseline: a bare Kestrel app on loopback answering what the Health function answers.</summary>
    private sealed class PlainKestrel(WebApplication app, Uri address) : IAsyncDisposable
    {
        public Uri Address { get; } = address;

        public static async Task<PlainKestrel> StartAsync(string path)
        {
            ListenOptions? listener = null;
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
                k.Listen(IPAddress.Loopback, 0, l => { l.Protocols = HttpProtocols.Http1; listener = l; }));
            builder.Services.AddRouting();
            var app = builder.Build();
            app.UseRouting();
            app.MapGet("/" + path, () => Results.Json(new HealthBody("healthy")));
            await app.StartAsync();
            return new PlainKestrel(app, new Uri($"http://127.0.0.1:{((IPEndPoint)listener!.EndPoint).Port}/{path}"));
        }

        public async ValueTask DisposeAsync() => await app.DisposeAsync();
    }

    private sealed record HealthBody(string Status);
}
