using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Finance.Domain.Principals;
using Finance.Functions.Access;
using Finance.Functions.Catalog;
using Finance.Testing;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Access;

/// <summary>How a matrix caller stands to the matrix pool.</summary>
public enum Relation
{
    /// <summary>Their organisation hosts the pool.</summary>
    Host,

    /// <summary>Their organisation is a partner.</summary>
    Partner,

    /// <summary>They belong to two organisations, one unrelated and one a partner.</summary>
    Several,

    /// <summary>They are listed among the pool's managers; their organisation is unrelated.</summary>
    Manager,

    /// <summary>Their organisation has nothing to do with the pool.</summary>
    Unrelated,

    /// <summary>The pool does not exist (a new id every time); their organisation is the would-be host.</summary>
    NoSuchPool,
}

/// <summary>One matrix pool, directory entries to read and write, and a recorded timer run, on one app (worker and local host).</summary>
public sealed class AccessMatrixFixture : IAsyncLifetime
{
    private readonly string suffix = Guid.NewGuid().ToString("N")[..8];

    private Azurite azurite = null!;

    public TestApp App { get; private set; } = null!;

    public string PoolId => $"matrix-{suffix}";
    public string HostOrganisation => $"host-{suffix}";
    public string PartnerOrganisation => $"partner-{suffix}";
    public string OtherOrganisation => $"other-{suffix}";
    public string ManagerId => $"manager-{suffix}";

    /// <summary>A directory entry the matrix reads (never written by it).</summary>
    public string ReadTarget => $"read-target-{suffix}";

    /// <summary>A directory entry the matrix puts and deletes.</summary>
    public string WriteTarget => $"write-target-{suffix}";

    public object PoolBody => new
    {
        name = "Matrix pool", hostOrganisation = HostOrganisation, financialYear = "2024/25",
        partnerOrganisations = new[] { PartnerOrganisation }, poolManagers = new[] { ManagerId },
    };

    /// <summary>An organisation the matrix reads; and one it puts.</summary>
    public string ReadOrganisation => $"read-org-{suffix}";
    public string WriteOrganisation => $"write-org-{suffix}";

    /// <summary>Lines hosted by the host and by the partner, with budgets committed.</summary>
    public const string HostLine = "host-line";
    public const string PartnerLine = "partner-line";
    public const string Stream = "place";

    /// <summary>An import of the host's finance lead, for reading.</summary>
    public string ReadImport { get; private set; } = "";

    /// <summary>A one-row CSV of actuals for the line.</summary>
    public HttpContent Csv(string line)
    {
        var content = new StringContent($"pool,line,month,amount,reference,memo\n{PoolId},{line},4,9.99,CSV-{Guid.NewGuid():N},\n");
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        return content;
    }

    /// <summary>An actual on the host's line, for reading.</summary>
    public string ReadEntry { get; private set; } = "";

    public string ManagerToken => TestApp.Token(ManagerId, [OtherOrganisation], Role.PoolManager);

    public async Task InitializeAsync()
    {
        // An Azurite of its own: the matrix is the heaviest user of storage in the suite, and its parts run in parallel.
        azurite = await Azurite.StartAsync();
        App = await TestApp.StartAsync(new Dictionary<string, string?> { [Finance.Functions.Configuration.AppSettings.LedgerConnectionString.Key] = azurite.ConnectionString });
        var admin = TestApp.Token($"admin-{suffix}", null, Role.Administrator);
        foreach (var organisation in new[] { HostOrganisation, PartnerOrganisation, OtherOrganisation })
        {
            (await App.SendAsync(HttpMethod.Put, $"api/organisations/{organisation}", admin, JsonContent.Create(new { name = organisation, kind = "council" })))
                .IsSuccessStatusCode.Should().BeTrue();
        }
        // The manager the pool names is a principal the directory knows; the membership adds nothing to their tokens.
        (await App.SendAsync(HttpMethod.Put, $"api/directory/principals/{ManagerId}", admin,
            JsonContent.Create(new { organisations = new[] { OtherOrganisation }, roles = Array.Empty<string>() }))).IsSuccessStatusCode.Should().BeTrue();
        (await App.SendAsync(HttpMethod.Put, $"api/pools/{PoolId}", admin, JsonContent.Create(PoolBody))).StatusCode.Should().Be(HttpStatusCode.Created);
        (await App.SendAsync(HttpMethod.Put, $"api/organisations/{ReadOrganisation}", admin, JsonContent.Create(new { name = "Read org", kind = "council" })))
            .IsSuccessStatusCode.Should().BeTrue();
        (await App.SendAsync(HttpMethod.Put, $"api/pools/{PoolId}/streams/{Stream}", admin,
            JsonContent.Create(new { kind = "placeAllocation", name = "Place allocation", nature = "revenue", funder = PartnerOrganisation })))
            .IsSuccessStatusCode.Should().BeTrue();
        foreach (var (line, host) in new[] { (HostLine, HostOrganisation), (PartnerLine, PartnerOrganisation) })
        {
            (await App.SendAsync(HttpMethod.Put, $"api/pools/{PoolId}/lines/{line}", admin, JsonContent.Create(new { fundingSource = Stream, title = line, host })))
                .IsSuccessStatusCode.Should().BeTrue();
            (await App.PostAsync($"api/pools/{PoolId}/entries", ManagerToken, JsonContent.Create(new { kind = "commitment", line, month = 1, amount = "1000000" })))
                .StatusCode.Should().Be(HttpStatusCode.Created);
        }
        ReadEntry = await PostActualAsync(TestApp.Token($"lead-{suffix}", [HostOrganisation], Role.FinanceLead), HostLine);
        using var import = await App.PostAsync($"api/pools/{PoolId}/imports", TestApp.Token($"lead-{suffix}", [HostOrganisation], Role.FinanceLead), Csv(HostLine));
        import.StatusCode.Should().Be(HttpStatusCode.Accepted, await import.Content.ReadAsStringAsync());
        ReadImport = (await import.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("importId").GetString()!;
        using var monthEnd = await App.PostAsync($"api/pools/{PoolId}/month-end?month=6", ManagerToken, null);
        monthEnd.StatusCode.Should().Be(HttpStatusCode.OK, "so that there is a latest month-end run to read");
        (await App.SendAsync(HttpMethod.Put, $"api/directory/principals/{ReadTarget}", admin,
            JsonContent.Create(new { organisations = new[] { OtherOrganisation }, roles = Array.Empty<string>() }))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await App.App.Host.InvokeTimerAsync("Heartbeat")).Status.Should().Be(Finance.LocalHost.InvocationStatus.Succeeded, "so that there is a timer run to read");
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await azurite.DisposeAsync();
    }

    /// <summary>Posts an actual as the given finance lead and answers its entry id.</summary>
    public async Task<string> PostActualAsync(string token, string line)
    {
        using var response = await App.PostAsync($"api/pools/{PoolId}/entries", token, JsonContent.Create(new { kind = "actual", line, month = 2, amount = "12.34" }));
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var posted = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return posted.GetProperty("entries")[0].GetProperty("id").GetString()!;
    }

    /// <summary>A fresh entry the caller in this relation may reverse: a commitment for a pool manager, else an actual on a line their organisation hosts.</summary>
    public async Task<string> EntryToReverseAsync(Role? role, Relation relation)
    {
        if (role == Role.PoolManager)
        {
            using var response = await App.PostAsync($"api/pools/{PoolId}/entries", ManagerToken, JsonContent.Create(new { kind = "commitment", line = HostLine, month = 7, amount = "1" }));
            response.StatusCode.Should().Be(HttpStatusCode.Created);
            return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("entries")[0].GetProperty("id").GetString()!;
        }
        var line = LineFor(relation);
        var organisation = line == PartnerLine ? PartnerOrganisation : HostOrganisation;
        return await PostActualAsync(TestApp.Token($"lead-{suffix}", [organisation], Role.FinanceLead), line);
    }

    /// <summary>
    /// A failed import of the finance lead standing in this relation, for a resumption of its own: a one-row file on
    /// their line, applied, then set back in storage to failed before its one chunk (as a chunk refused would leave it;
    /// the resumption then finds that chunk in the ledger and posts nothing twice).
    /// </summary>
    public async Task<string> FailedImportAsync(Relation relation)
    {
        using var upload = await App.PostAsync($"api/pools/{PoolId}/imports", TokenFor(Role.FinanceLead, relation), Csv(LineFor(relation)));
        upload.StatusCode.Should().Be(HttpStatusCode.Accepted, await upload.Content.ReadAsStringAsync());
        var importId = (await upload.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("importId").GetString()!;
        var store = new Finance.Storage.Imports.ImportStore(App.Storage);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        Finance.Storage.Imports.ImportRecord? record;
        while ((record = await store.GetAsync(PoolId, importId, CancellationToken.None))!.Status != Finance.Storage.Imports.ImportStatus.Applied && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        var failed = record with
        {
            Status = Finance.Storage.Imports.ImportStatus.Failed, RowsApplied = 0, ChunksApplied = 0, NetPence = 0, Failure = "Matrix: set failed before its chunk.",
        };
        (await store.TryUpdateAsync(failed, CancellationToken.None)).Should().NotBeNull();
        return importId;
    }

    /// <summary>Closes month 1 (if open) as the pool's manager; answers "1".</summary>
    public async Task<string> CloseMonthOneAsync()
    {
        using var response = await App.PostAsync($"api/pools/{PoolId}/closes/2024-25/1", ManagerToken, JsonContent.Create(new { overrideReason = "Matrix set-up" }));
        ((int)response.StatusCode).Should().BeInRange(200, 201, await response.Content.ReadAsStringAsync());
        return "1";
    }

    /// <summary>The first organisation of the caller standing in this relation.</summary>
    public string OrganisationOf(Relation relation) => relation switch
    {
        Relation.Host or Relation.NoSuchPool => HostOrganisation,
        Relation.Partner or Relation.Several => PartnerOrganisation,
        _ => OtherOrganisation,
    };

    /// <summary>The line a finance lead standing in this relation hosts.</summary>
    public static string LineFor(Relation relation) => relation is Relation.Partner or Relation.Several ? PartnerLine : HostLine;

    /// <summary>The caller for a role (or none) standing in a relation to the pool; roles and organisations ride in the token.</summary>
    public string TokenFor(Role? role, Relation relation)
    {
        var roles = role is { } r ? new[] { r } : [];
        return relation switch
        {
            Relation.Host or Relation.NoSuchPool => TestApp.Token($"host-user-{suffix}", [HostOrganisation], roles),
            Relation.Partner => TestApp.Token($"partner-user-{suffix}", [PartnerOrganisation], roles),
            Relation.Several => TestApp.Token($"several-user-{suffix}", [OtherOrganisation, PartnerOrganisation], roles),
            Relation.Manager => TestApp.Token(ManagerId, [OtherOrganisation], roles),
            Relation.Unrelated => TestApp.Token($"other-user-{suffix}", [OtherOrganisation], roles),
            _ => throw new ArgumentOutOfRangeException(nameof(relation)),
        };
    }
}

/// <summary>
/// Every HTTP function the app declares × every role (and none) × every relation to a pool, allowed or refused exactly as
/// the function's declared <see cref="AccessRule"/> says. The cases come from the <c>[Function]</c> declarations, so a new
/// function joins the matrix by being declared; a new function that writes must also give a sample body below, or its
/// cases fail.
/// </summary>
public abstract class AccessMatrixCases(AccessMatrixFixture fixture)
{
    /// <summary>The matrix runs as <see cref="Parts"/> test classes, each with its own app and pool, so xUnit runs them in parallel.</summary>
    public const int Parts = 3;

    /// <summary>A body each writing function accepts from anyone allowed to call it; null for functions without a body.</summary>
    protected static readonly Dictionary<string, Func<AccessMatrixFixture, Role?, Relation, HttpContent?>> Bodies = new()
    {
        ["PutPool"] = (f, _, _) => JsonContent.Create(f.PoolBody),
        ["PutMembership"] = (f, _, _) => JsonContent.Create(new { organisations = new[] { f.OtherOrganisation }, roles = new[] { "PartnerViewer" } }),
        ["DeleteMembership"] = (_, _, _) => null,
        ["PutOrganisation"] = (_, _, _) => JsonContent.Create(new { name = "Written org", kind = "provider" }),
        ["PutStream"] = (f, _, _) => JsonContent.Create(new { kind = "placeAllocation", name = "Place allocation", nature = "revenue", funder = f.PartnerOrganisation }),
        ["PutAgreement"] = (_, _, _) => JsonContent.Create(new { contributions = Array.Empty<object>(), riskShare = new { rule = "hostBearsAll" }, underspend = "carryForward" }),
        ["PutLine"] = (f, _, _) => JsonContent.Create(new { fundingSource = AccessMatrixFixture.Stream, title = "Host line", host = f.HostOrganisation }),
        ["PostEntry"] = (_, role, relation) => JsonContent.Create(SampleEntry(role, relation)),
        ["PostPosting"] = (_, role, relation) => JsonContent.Create(new { entries = new[] { SampleEntry(role, relation), SampleEntry(role, relation) } }),
        ["ReverseEntry"] = (_, _, _) => JsonContent.Create(new { reason = "Matrix reversal" }),
        ["PostImport"] = (f, _, relation) => f.Csv(AccessMatrixFixture.LineFor(relation)),
        ["ResumeImport"] = (_, _, _) => null,
        ["CloseMonth"] = (_, _, _) => JsonContent.Create(new { overrideReason = "Matrix pool: no contributions booked" }),
        ["ReopenMonth"] = (_, _, _) => JsonContent.Create(new { reason = "Matrix reopening" }),
        ["RunMonthEnd"] = (_, _, _) => null,
        ["PutControlTotal"] = (_, _, _) => JsonContent.Create(new { amount = "12.34" }),
    };

    /// <summary>An entry the caller may post when their role reaches the pool: a commitment for a pool manager, an actual on their own line otherwise.</summary>
    private static object SampleEntry(Role? role, Relation relation) => role == Role.PoolManager
        ? new { kind = "commitment", line = AccessMatrixFixture.HostLine, month = 7, amount = "10.00" }
        : new { kind = "actual", line = AccessMatrixFixture.LineFor(relation), month = 3, amount = "1.00" };

    /// <summary>The cases of one part: every function whose position in the (stable) list falls in it.</summary>
    public static TheoryData<string, string, Relation> Cases(int part)
    {
        var cases = new TheoryData<string, string, Relation>();
        foreach (var function in FunctionCatalog.App.Functions.Where(f => f.Http is not null).Where((_, i) => i % Parts == part))
        {
            // A function not scoped to a pool does not care how the caller stands to one: one relation is enough.
            var relations = function.Access?.Kind == AccessKind.Pool ? Enum.GetValues<Relation>() : [Relation.Host];
            foreach (var role in Roles.All.Select(r => r.ToString()).Prepend("none"))
            {
                foreach (var relation in relations)
                {
                    cases.Add(function.Name, role, relation);
                }
            }
        }
        return cases;
    }

    protected async Task CheckAsync(string functionName, string roleName, Relation relation)
    {
        var function = FunctionCatalog.App.Find(functionName)!;
        var rule = function.Access;
        rule.Should().NotBeNull($"{functionName} must declare who may call it");
        Role? role = roleName == "none" ? null : Enum.Parse<Role>(roleName);
        var method = function.Http!.Methods.Single();
        var writes = method != "GET";
        HttpContent? body = null;
        if (writes)
        {
            Bodies.Should().ContainKey(functionName, $"{functionName} writes: give it a sample body in {nameof(AccessMatrixTests)}.{nameof(Bodies)}");
            body = Bodies[functionName](fixture, role, relation);
        }

        var poolId = relation == Relation.NoSuchPool ? $"new-{Guid.NewGuid():N}"[..20] : fixture.PoolId;
        var expected = Expect(rule!, role, relation, writes);
        var path = await PathAsync(functionName, function.Http, poolId, writes, role, relation, expected == Outcome.Allowed);
        if (functionName == "RunMonthEnd")
        {
            path += "?month=6"; // month end of a named month: the matrix pool's year is not the one due today
        }
        var headers = method == "POST" ? new Dictionary<string, string> { ["Idempotency-Key"] = Guid.NewGuid().ToString("N") } : null;
        using var response = await fixture.App.SendAsync(new HttpMethod(method), path, fixture.TokenFor(role, relation), body, headers);

        var because = $"{functionName} ({method} {path}) for {roleName} / {relation}: {await response.Content.ReadAsStringAsync()}";
        if (expected == Outcome.Allowed)
        {
            ((int)response.StatusCode).Should().BeInRange(200, 299, because);
        }
        else
        {
            response.StatusCode.Should().Be((HttpStatusCode)(int)expected, because);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json", because);
        }
    }

    protected static void CheckEveryFunctionHasARule()
    {
        FunctionCatalog.App.Functions
            .Where(f => f.Http is not null && f.Access is null)
            .Select(f => f.Name)
            .Should().BeEmpty();
        FunctionCatalog.App.Functions.Where(f => f.Http is not null).Should().NotBeEmpty();
    }

    protected enum Outcome
    {
        Allowed = 200,
        Forbidden = 403,
        NotFound = 404,
    }

    /// <summary>The rule's declared grants read independently of the app's enforcement: what the caller should get.</summary>
    protected static Outcome Expect(AccessRule rule, Role? role, Relation relation, bool writes)
    {
        if (rule.Kind is AccessKind.Anonymous or AccessKind.AnyCaller)
        {
            return Outcome.Allowed;
        }
        var reach = role is { } r ? rule.Grants[r] : Reach.None;
        if (reach == Reach.None)
        {
            return Outcome.Forbidden;
        }
        if (rule.Kind == AccessKind.Roles)
        {
            return Outcome.Allowed;
        }
        if (relation == Relation.NoSuchPool)
        {
            // Creating is allowed to whoever reaches everything or new pools, at the functions that create pools (those
            // granting new pools to someone); anything else about a missing pool is 404 for all.
            var creates = writes && rule.Grants.Values.Any(g => g.HasFlag(Reach.NewPools));
            return creates && (reach & (Reach.Everything | Reach.NewPools)) != 0 ? Outcome.Allowed : Outcome.NotFound;
        }
        if (Covers(reach, relation))
        {
            return Outcome.Allowed;
        }
        var readReach = role is { } readRole ? AccessRules.ReadPool.Grants[readRole] : Reach.None;
        return Covers(readReach, relation) ? Outcome.Forbidden : Outcome.NotFound;
    }

    private static bool Covers(Reach reach, Relation relation) =>
        reach.HasFlag(Reach.Everything)
        || (reach.HasFlag(Reach.PoolsOfOwnOrganisations) && relation is Relation.Host or Relation.Partner or Relation.Several)
        || (reach.HasFlag(Reach.ManagedPools) && relation == Relation.Manager);

    /// <summary>A body of these bytes, with this Content-Type (none when null).</summary>
    protected static ByteArrayContent Content(string text, string? type)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        if (type is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        }
        return content;
    }

    /// <summary>The names of the functions a generated test applies to, as theory data.</summary>
    protected static TheoryData<string> FunctionsWhere(Func<DeclaredFunction, bool> which)
    {
        var names = new TheoryData<string>();
        foreach (var function in FunctionCatalog.App.Functions.Where(which))
        {
            names.Add(function.Name);
        }
        return names;
    }

    /// <summary>Every entity of every table and every blob of every container, with its ETag.</summary>
    protected async Task<List<string>> StorageAsync()
    {
        var state = new List<string>();
        var tables = new TableServiceClient(fixture.App.ConnectionString);
        await foreach (var table in tables.QueryAsync())
        {
            await foreach (var entity in tables.GetTableClient(table.Name).QueryAsync<TableEntity>())
            {
                state.Add($"{table.Name}/{entity.PartitionKey}/{entity.RowKey} {entity.ETag}");
            }
        }
        var blobs = new BlobServiceClient(fixture.App.ConnectionString, new BlobClientOptions(Finance.Storage.StorageClients.BlobServiceVersion));
        await foreach (var container in blobs.GetBlobContainersAsync())
        {
            await foreach (var blob in blobs.GetBlobContainerClient(container.Name).GetBlobsAsync())
            {
                state.Add($"{container.Name}/{blob.Name} {blob.Properties.ETag}");
            }
        }
        return state;
    }

    protected async Task<string> PathAsync(string functionName, HttpTriggerDeclaration http, string poolId, bool writes, Role? role, Relation relation, bool allowed)
    {
        var path = $"{FunctionCatalog.RoutePrefix}/{http.Route}";
        foreach (var parameter in http.RouteParameters)
        {
            var value = parameter switch
            {
                AccessRules.PoolParameter => poolId,
                "principalId" => writes ? fixture.WriteTarget : fixture.ReadTarget,
                "name" => "Heartbeat",
                // An organisation summary is of one of the caller's own organisations.
                "organisationId" when functionName is "GetOrganisationPools" or "PutControlTotal" => fixture.OrganisationOf(relation),
                "organisationId" => writes ? fixture.WriteOrganisation : fixture.ReadOrganisation,
                // A resumption resumes a failed import once: each allowed case gets a failed import of its own.
                "importId" when functionName is "ResumeImport" && allowed => await fixture.FailedImportAsync(relation),
                "importId" => fixture.ReadImport,
                "year" => "2024-25",
                // Only month 1 is ever closed or reopened here (its postings are made before any case runs); a reopening
                // that is allowed needs the month closed first.
                "month" when functionName is "CloseMonth" => "1",
                "month" when functionName is "ReopenMonth" => allowed ? await fixture.CloseMonthOneAsync() : "1",
                "month" => "6",
                "streamId" => AccessMatrixFixture.Stream,
                "lineId" => AccessMatrixFixture.HostLine,
                // A reversal reverses once: each allowed case gets a fresh entry of its own to reverse.
                "entryId" => writes && allowed ? await fixture.EntryToReverseAsync(role, relation) : fixture.ReadEntry,
                _ => throw new InvalidOperationException($"The matrix has no sample value for route parameter '{parameter}'; add one."),
            };
            path = path.Replace("{" + parameter + "}", value, StringComparison.Ordinal);
        }
        return path;
    }
}

/// <summary>
/// Every HTTP function the app maps × every role (and none) × every relation to a pool, allowed or refused exactly as
/// the function's declared <see cref="AccessRule"/> says (part 1 of <see cref="AccessMatrixCases.Parts"/>).
/// </summary>
public sealed class AccessMatrixTests(AccessMatrixFixture fixture) : AccessMatrixCases(fixture), IClassFixture<AccessMatrixFixture>
{
    [Theory]
    [MemberData(nameof(Cases), 0)]
    public Task Each_function_allows_or_refuses_as_its_rule_says(string functionName, string roleName, Relation relation) =>
        CheckAsync(functionName, roleName, relation);

    [Fact]
    public void Every_http_function_declares_an_access_rule() => CheckEveryFunctionHasARule();

    [Fact]
    public void The_parts_together_hold_every_function()
    {
        var http = FunctionCatalog.App.Functions.Where(f => f.Http is not null).ToList();
        var poolScoped = http.Count(f => f.Access?.Kind == AccessKind.Pool);
        Enumerable.Range(0, Parts).Sum(part => Cases(part).Count)
            .Should().Be((Roles.All.Count + 1) * ((poolScoped * Enum.GetValues<Relation>().Length) + (http.Count - poolScoped)));
    }
}

/// <summary>Part 2 of the access matrix.</summary>
public sealed class AccessMatrixTests2(AccessMatrixFixture fixture) : AccessMatrixCases(fixture), IClassFixture<AccessMatrixFixture>
{
    [Theory]
    [MemberData(nameof(Cases), 1)]
    public Task Each_function_allows_or_refuses_as_its_rule_says(string functionName, string roleName, Relation relation) =>
        CheckAsync(functionName, roleName, relation);
}

/// <summary>Part 3 of the access matrix.</summary>
public sealed class AccessMatrixTests3(AccessMatrixFixture fixture) : AccessMatrixCases(fixture), IClassFixture<AccessMatrixFixture>
{
    [Theory]
    [MemberData(nameof(Cases), 2)]
    public Task Each_function_allows_or_refuses_as_its_rule_says(string functionName, string roleName, Relation relation) =>
        CheckAsync(functionName, roleName, relation);
}
