using System.Net;
using FluentAssertions;
using Finance.LocalHost.Http;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace Finance.LocalHost.Tests;

/// <summary>
/// authLevel, enforced by the host. The rules for every function are generated from the worker's declarations, so a
/// new function inherits its tests.
/// </summary>
public sealed class KeyTests(SampleHost sample) : IClassFixture<SampleHost>
{
    private IEnumerable<(HostedFunction Function, string Method)> HttpRoutes(Func<FunctionAuthLevel, bool> level) =>
        sample.Host.Functions
            .Where(f => f.Trigger == FunctionTriggerKind.Http && level(f.AuthLevel))
            .SelectMany(f => (f.Methods ?? ["GET", "DELETE"]).Select(m => (f, m)));

    private async Task<HttpStatusCode> CallAsync(HostedFunction function, string method, string? headerKey = null, string? queryKey = null)
    {
        var path = SampleHost.PathFor(function) + (queryKey is null ? "" : "?code=" + Uri.EscapeDataString(queryKey));
        using var request = new HttpRequestMessage(new HttpMethod(method), path.TrimStart('/'));
        if (headerKey is not null)
        {
            request.Headers.Add("x-functions-key", headerKey);
        }
        using var response = await sample.Client.SendAsync(request);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        }
        return response.StatusCode;
    }

    [Fact]
    public async Task Every_keyed_route_refuses_a_call_without_a_key()
    {
        var keyed = HttpRoutes(l => l != FunctionAuthLevel.Anonymous).ToList();
        keyed.Should().HaveCountGreaterThanOrEqualTo(2);
        foreach (var (function, method) in keyed)
        {
            (await CallAsync(function, method)).Should().Be(HttpStatusCode.Unauthorized, $"{method} {function.Name} has authLevel {function.AuthLevel}");
            (await CallAsync(function, method, headerKey: "not-a-key")).Should().Be(HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task A_function_key_opens_function_routes_but_not_admin_ones()
    {
        foreach (var (function, method) in HttpRoutes(l => l != FunctionAuthLevel.Anonymous))
        {
            var expectRefused = function.AuthLevel is FunctionAuthLevel.Admin or FunctionAuthLevel.System;
            var header = await CallAsync(function, method, headerKey: SampleHost.FunctionKey);
            var query = await CallAsync(function, method, queryKey: SampleHost.FunctionKey);
            foreach (var status in new[] { header, query })
            {
                if (expectRefused)
                {
                    status.Should().Be(HttpStatusCode.Unauthorized, $"{function.Name} is admin-level");
                }
                else
                {
                    status.Should().NotBe(HttpStatusCode.Unauthorized, $"{method} {function.Name} is function-level");
                }
            }
        }
    }

    [Fact]
    public async Task The_master_key_opens_every_route()
    {
        foreach (var (function, method) in HttpRoutes(_ => true))
        {
            (await CallAsync(function, method, headerKey: SampleHost.MasterKey)).Should().NotBe(HttpStatusCode.Unauthorized, function.Name);
            (await CallAsync(function, method, queryKey: SampleHost.MasterKey)).Should().NotBe(HttpStatusCode.Unauthorized, function.Name);
        }
    }

    [Fact]
    public async Task Anonymous_routes_need_no_key()
    {
        foreach (var (function, method) in HttpRoutes(l => l == FunctionAuthLevel.Anonymous).Where(r => r.Function.Name is not ("Slow" or "Boom")))
        {
            (await CallAsync(function, method)).Should().NotBe(HttpStatusCode.Unauthorized, function.Name);
        }
    }

    [Fact]
    public async Task The_header_is_read_before_the_query_as_in_the_real_host()
    {
        var echo = sample.Host.Functions.Single(f => f.Name == "Echo");
        (await CallAsync(echo, "POST", headerKey: "wrong", queryKey: SampleHost.FunctionKey)).Should().Be(HttpStatusCode.Unauthorized);
        (await CallAsync(echo, "POST", headerKey: SampleHost.FunctionKey, queryKey: "wrong")).Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData(SampleHost.FunctionKey, HttpStatusCode.Unauthorized)]
    [InlineData(SampleHost.MasterKey, HttpStatusCode.OK)]
    public async Task The_status_endpoint_needs_the_master_key(string? key, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "admin/host/status");
        if (key is not null)
        {
            request.Headers.Add("x-functions-key", key);
        }
        using var response = await sample.Client.SendAsync(request);
        response.StatusCode.Should().Be(expected);
    }

    [Fact]
    public void Keys_can_come_from_app_settings()
    {
        var keys = KeyRing.From(new LocalHostOptions
        {
            AppDirectory = ".",
            AppSettings = new Dictionary<string, string>
            {
                [KeyRing.FunctionKeysSetting] = "first, second",
                [KeyRing.MasterKeySetting] = "the-master",
            },
        });
        keys.MasterKey.Should().Be("the-master");
        keys.MasterKeyGenerated.Should().BeFalse();
        Allows(keys, "second", FunctionAuthLevel.Function).Should().BeTrue();
        Allows(keys, "second", FunctionAuthLevel.Admin).Should().BeFalse();
        Allows(keys, "the-master", FunctionAuthLevel.Admin).Should().BeTrue();
        Allows(keys, "third", FunctionAuthLevel.Function).Should().BeFalse();
        KeyRing.From(new LocalHostOptions { AppDirectory = "." }).MasterKeyGenerated.Should().BeTrue();
    }

    private static bool Allows(KeyRing keys, string key, FunctionAuthLevel level)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers[KeyRing.HeaderName] = key;
        return keys.Allows(context.Request, level);
    }
}
