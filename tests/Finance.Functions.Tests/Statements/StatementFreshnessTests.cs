using System.Net;
using System.Net.Http.Json;
using Finance.Functions.Configuration;
using Finance.Functions.Tests.Access;
using Finance.Functions.Tests.Postings;
using Finance.Testing;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Statements;

/// <summary>
/// The statement as it stands may be served from what the instance already holds, by the product owner's bounds: at
/// most one second behind the ledger on an instance other than the one that posted, and never behind on the one that
/// did. Each test starts its own worker processes (two instances of the app, as Azure would run them) on the suite's Azurite.
/// </summary>
public sealed class StatementFreshnessTests
{
    private static async Task<long> YtdActualsAsync(TestApp app, PoolScenario pool, int month = 6)
    {
        var statement = await PoolScenario.Expect(
            app.SendAsync(HttpMethod.Get, $"{pool.Path}/statements/2024-25/{month}?pence=true", pool.Viewer), HttpStatusCode.OK);
        return statement.GetProperty("totals").GetProperty("ytdActuals").GetProperty("pence").GetInt64();
    }

    private static Task<System.Text.Json.JsonElement> PostActualAsync(TestApp app, PoolScenario pool, string amount) =>
        PoolScenario.Expect(app.PostAsync($"{pool.Path}/entries", pool.CouncilLead, JsonContent.Create(new
        {
            kind = "actual", line = "programme-manager", month = 2, amount,
        })), HttpStatusCode.Created);

    [Fact]
    public async Task Drawn_again_within_a_second_it_reads_nothing_from_the_ledger_and_a_posting_here_shows_at_once()
    {
        await using var storage = await StorageProxy.ForAzuriteAsync();
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { [AppSettings.LedgerConnectionString.Key] = storage.ConnectionString });
        var pool = await PoolScenario.CreateAsync(app);
        (await YtdActualsAsync(app, pool)).Should().Be(0);

        storage.Clear();
        (await YtdActualsAsync(app, pool)).Should().Be(0);
        storage.Requests.Should().BeEmpty(
            "the pool row and the head read a moment ago, and the set-up and balances drawn from them, serve the statement again");

        await PostActualAsync(app, pool, "1000");
        (await YtdActualsAsync(app, pool)).Should().Be(100_000, "the instance that posted shows the posting at once");
        await PostActualAsync(app, pool, "500");
        (await YtdActualsAsync(app, pool)).Should().Be(150_000);
    }

    [Fact]
    public async Task Another_instance_shows_a_change_to_the_pool_within_a_second_and_decides_writes_on_it_as_it_is()
    {
        await using var changer = await TestApp.StartAsync();
        await using var reader = await TestApp.StartAsync();
        var pool = await PoolScenario.CreateAsync(changer);
        (await YtdActualsAsync(reader, pool)).Should().Be(0, "the reader now holds the pool row");

        // The trust is no longer a partner: its finance lead may not post, at once, on either instance.
        await PoolScenario.Expect(changer.SendAsync(HttpMethod.Put, pool.Path, pool.ManagerToken, JsonContent.Create(new
        {
            name = "Riverside Place", hostOrganisation = pool.Council, financialYear = "2024/25", partnerOrganisations = new[] { pool.Icb },
        })), HttpStatusCode.OK);
        var changed = DateTime.UtcNow;
        using var refused = await reader.PostAsync($"{pool.Path}/entries", pool.TrustLead, JsonContent.Create(new
        {
            kind = "actual", line = "frailty-service", month = 2, amount = "10",
        }));
        ((int)refused.StatusCode).Should().BeOneOf([403, 404, 412, 422], "a write is decided on the pool as it is");
        HttpStatusCode seen;
        do
        {
            using var response = await reader.SendAsync(HttpMethod.Get, $"{pool.Path}/statements/2024-25/6", pool.TrustLead);
            seen = response.StatusCode;
        }
        while (seen == HttpStatusCode.OK && DateTime.UtcNow - changed < TimeSpan.FromSeconds(3));
        seen.Should().NotBe(HttpStatusCode.OK);
        (DateTime.UtcNow - changed).Should().BeLessThan(TimeSpan.FromSeconds(1.5), "reads follow within a second");
    }

    [Fact]
    public async Task Another_instance_shows_a_posting_within_a_second()
    {
        await using var poster = await TestApp.StartAsync();
        await using var reader = await TestApp.StartAsync();
        var pool = await PoolScenario.CreateAsync(poster);
        (await YtdActualsAsync(reader, pool)).Should().Be(0, "the reader now holds the head");

        await PostActualAsync(poster, pool, "1000");
        var posted = DateTime.UtcNow;
        long seen;
        do
        {
            seen = await YtdActualsAsync(reader, pool);
        }
        while (seen == 0 && DateTime.UtcNow - posted < TimeSpan.FromSeconds(3));

        seen.Should().Be(100_000);
        (DateTime.UtcNow - posted).Should().BeLessThan(TimeSpan.FromSeconds(1.5),
            "a second at most, and a little for the request that reads it again");
    }

    [Fact]
    public async Task The_same_statement_asked_for_within_a_second_is_one_rendering_and_a_posting_here_renders_it_again()
    {
        await using var app = await TestApp.StartAsync();
        var pool = await PoolScenario.CreateAsync(app);
        foreach (var format in new[] { "json", "csv", "xlsx" })
        {
            var path = $"{pool.Path}/statements/2024-25/6?format={format}";
            var first = await BodyAsync(app, path, pool.Viewer);
            var again = await BodyAsync(app, path, pool.ManagerToken);
            again.Should().Equal(first, $"the {format} drawn a moment ago, at the same ledger version, is served again (to any reader)");
        }
        var before = await BodyAsync(app, $"{pool.Path}/statements/2024-25/6?format=json", pool.Viewer);
        await PostActualAsync(app, pool, "1000");
        var after = await BodyAsync(app, $"{pool.Path}/statements/2024-25/6?format=json", pool.Viewer);
        after.Should().NotEqual(before);
        (await YtdActualsAsync(app, pool)).Should().Be(100_000);
    }

    [Fact]
    public async Task A_closed_month_asked_for_again_within_a_second_reads_nothing_and_a_reopen_here_shows_at_once()
    {
        await using var storage = await StorageProxy.ForAzuriteAsync();
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { [AppSettings.LedgerConnectionString.Key] = storage.ConnectionString });
        var pool = await PoolScenario.CreateAsync(app);
        using (var closed = await app.PostAsync($"{pool.Path}/closes/2024-25/1", pool.ManagerToken, JsonContent.Create(new { overrideReason = "Freshness test" })))
        {
            closed.IsSuccessStatusCode.Should().BeTrue(await closed.Content.ReadAsStringAsync());
        }
        var path = $"{pool.Path}/statements/2024-25/1";
        var frozen = await FrozenRecordAsync(app, path, pool.Viewer);
        frozen.Should().NotBeNull("a closed month is served from its frozen record");

        storage.Clear();
        (await FrozenRecordAsync(app, path, pool.Viewer)).Should().Be(frozen);
        storage.Requests.Should().BeEmpty("the head and the close link read a moment ago, and the record's bytes, serve it again");

        using (var reopened = await app.PostAsync($"{path.Replace("statements", "closes", StringComparison.Ordinal)}/reopen", pool.ManagerToken,
                   JsonContent.Create(new { reason = "A late invoice" })))
        {
            reopened.IsSuccessStatusCode.Should().BeTrue(await reopened.Content.ReadAsStringAsync());
        }
        (await FrozenRecordAsync(app, path, pool.Viewer)).Should().BeNull("the instance that reopened the month draws it from the ledger at once");
    }

    /// <summary>The frozen record a statement was served from, or null when it was drawn from the ledger.</summary>
    private static async Task<string?> FrozenRecordAsync(TestApp app, string path, string token)
    {
        using var response = await app.SendAsync(HttpMethod.Get, path, token);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return response.Headers.TryGetValues("X-Frozen-Statement", out var values) ? values.Single() : null;
    }

    private static async Task<byte[]> BodyAsync(TestApp app, string path, string token)
    {
        using var response = await app.SendAsync(HttpMethod.Get, path, token);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return await response.Content.ReadAsByteArrayAsync();
    }
}
