using Azure.Data.Tables;
using Finance.Domain.Calendar;
using Finance.Domain.Model;
using Finance.Domain.Principals;
using Finance.Storage.Closes;
using Finance.Storage.Directory;
using Finance.Storage.Imports;
using Finance.Storage.Pools;
using Finance.Storage.Runs;
using FluentAssertions;
using NodaTime;
using Xunit;

namespace Finance.Storage.Tests;

/// <summary>
/// A stored record that does not read back as a valid value is an error naming the row and the property, for every
/// record family; nothing falls back to a default. Each test writes a valid record through its repository, changes
/// one property behind its back (as an edit by hand or tampering would), and reads it again.
/// </summary>
public sealed class StrictReadBackTests(StorageAzurite azurite) : IClassFixture<StorageAzurite>
{
    private static readonly Instant At = Instant.FromUtc(2024, 10, 1, 9, 0);

    private LedgerStorage Storage { get; } = TestClients.Storage(azurite);

    private static string NewId(string prefix) => StorageAzurite.UniqueName(prefix);

    private async Task Tamper(string table, string partition, string row, string property, object? value) =>
        await Storage.Table(table).UpsertEntityAsync(new TableEntity(partition, row) { [property] = value }, TableUpdateMode.Merge);

    private async Task Remove(string table, string partition, string row, string property)
    {
        var entity = (await Storage.Table(table).GetEntityAsync<TableEntity>(partition, row)).Value;
        entity.Remove(property);
        await Storage.Table(table).UpsertEntityAsync(entity, TableUpdateMode.Replace);
    }

    private async Task<PoolRecord> NewPoolAsync()
    {
        var pools = new PoolStore(Storage);
        var pool = new PoolRecord(NewId("pool-"), "Riverside Place", "riverside-council", FinancialYear.Parse("2024/25"), ["riverside-icb"], ["priya"], At, At, default)
        {
            Streams = [new StreamDocument("place", "placeAllocation", "Place allocation", "revenue", "riverside-icb", null, null, null)],
            Agreement = new AgreementDocument([new ContributionDocument("riverside-icb", "place", 30_000_000)],
                new RiskShareDocument("proportionalToContributions", false, []), "carryForward"),
        };
        return await pools.AddAsync(pool, new SetupChange("priya", At), default);
    }

    [Fact]
    public async Task A_pool_reads_back_as_written()
    {
        var pool = await NewPoolAsync();

        var read = (await new PoolStore(Storage).GetAsync(pool.PoolId, default))!;

        // Records compare by value, except the lists (compared by content here) and the year (a value type of its own).
        read.Should().Be(pool with { PartnerOrganisations = read.PartnerOrganisations, PoolManagers = read.PoolManagers, Streams = read.Streams, Agreement = read.Agreement });
        read.PartnerOrganisations.Should().Equal(pool.PartnerOrganisations);
        read.PoolManagers.Should().Equal(pool.PoolManagers);
        read.Streams.Should().Equal(pool.Streams);
        read.Agreement!.Contributions.Should().Equal(pool.Agreement!.Contributions);
    }

    [Theory]
    [InlineData("Agreement", "{\"contributions\":[],\"riskShare\":{\"rule\":\"sharedByMoonPhase\",\"includeCapital\":false,\"shares\":[]},\"underspend\":\"carryForward\"}", "riskShare.rule")]
    [InlineData("Agreement", "{\"contributions\":[],\"riskShare\":{\"rule\":\"hostBearsAll\",\"includeCapital\":false,\"shares\":[]},\"underspend\":\"carryForward\",\"extra\":1}", "Agreement")]
    [InlineData("Streams", "[{\"id\":\"place\",\"kind\":\"lottery\",\"name\":\"x\",\"nature\":\"revenue\",\"funder\":null,\"conditions\":null,\"spendBy\":null,\"passThroughTo\":null}]", "kind")]
    [InlineData("Streams", "[{\"id\":\"place\",\"kind\":\"bcfNhsMinimumContribution\",\"name\":\"x\",\"nature\":\"revenue\"}]", "missing required properties")]
    [InlineData("FinancialYear", "2024/26", "FinancialYear")]
    [InlineData("PoolManagers", "priya,not an id", "PoolManagers")]
    public async Task A_pool_row_with_a_value_the_code_does_not_know_is_an_error_naming_it(string property, string value, string named)
    {
        var pool = await NewPoolAsync();
        await Tamper(StorageNames.PoolsTable, pool.PoolId, PoolRecord.RowKey, property, value);

        var read = () => new PoolStore(Storage).GetAsync(pool.PoolId, default);

        (await read.Should().ThrowAsync<StorageInvariantException>())
            .Which.Message.Should().Contain($"Pools {pool.PoolId}/pool").And.Contain(named);
    }

    [Theory]
    [InlineData("Name")]
    [InlineData("SetupVersion")]
    [InlineData("CreatedAt")]
    public async Task A_pool_row_missing_a_required_property_is_an_error_naming_it(string property)
    {
        var pool = await NewPoolAsync();
        await Remove(StorageNames.PoolsTable, pool.PoolId, PoolRecord.RowKey, property);

        var read = () => new PoolStore(Storage).GetAsync(pool.PoolId, default);

        (await read.Should().ThrowAsync<StorageInvariantException>()).WithMessage($"*required property {property} is missing*");
    }

    [Fact]
    public async Task A_property_of_another_type_is_an_error_naming_it()
    {
        var pool = await NewPoolAsync();
        await Tamper(StorageNames.PoolsTable, pool.PoolId, PoolRecord.RowKey, "SetupVersion", "seven");

        var read = () => new PoolStore(Storage).GetAsync(pool.PoolId, default);

        (await read.Should().ThrowAsync<StorageInvariantException>()).WithMessage("*SetupVersion is not of the type written*");
    }

    [Fact]
    public async Task A_line_with_an_unknown_profile_is_an_error_naming_the_line()
    {
        var pool = await NewPoolAsync();
        var setups = new PoolSetupStore(Storage, new OrganisationStore(Storage));
        var line = new LineDocument("frailty", "place", "Frailty service", "riverside-council", 1, new ProfileDocument("straightLine"), null, null, At, "priya", At, "priya");
        await setups.WriteAsync(pool, pool, line, replacing: null, new SetupChange("priya", At), default);
        (await setups.ReadAsync(pool.PoolId, default))!.Lines.Should().ContainSingle().Which.Should().Be(line);
        await Tamper(StorageNames.PoolsTable, pool.PoolId, "line~frailty", "Profile", "{\"kind\":\"frontLoaded\"}");

        var read = () => setups.ReadAsync(pool.PoolId, default);

        (await read.Should().ThrowAsync<StorageInvariantException>()).Which.Message.Should().Contain("line~frailty").And.Contain("frontLoaded");
    }

    [Fact]
    public async Task An_import_with_a_status_it_does_not_know_or_impossible_progress_is_an_error()
    {
        var imports = new ImportStore(Storage);
        var pool = NewId("pool-");
        var record = new ImportRecord(pool, "imp-1", ImportStatus.Applying, "october.csv", $"{pool}/imp-1.csv", new string('a', 64), 120, "hash", "key",
            "alice", At, 10, 0, 1, 0, 0, null, null, null, default);
        (await imports.TryAddAsync(record, default)).Should().BeTrue();
        var stored = await imports.GetAsync(pool, "imp-1", default);
        stored.Should().Be(record with { ETag = stored!.ETag });

        await Tamper(StorageNames.PoolsTable, pool, "import~imp-1", "Status", "Paused");
        var unknownStatus = () => imports.GetAsync(pool, "imp-1", default);
        (await unknownStatus.Should().ThrowAsync<StorageInvariantException>()).WithMessage("*Status holds 'Paused', which is not a ImportStatus*");

        await Tamper(StorageNames.PoolsTable, pool, "import~imp-1", "Status", "Applying");
        await Tamper(StorageNames.PoolsTable, pool, "import~imp-1", "RowsApplied", 11);
        var impossible = () => imports.GetAsync(pool, "imp-1", default);
        (await impossible.Should().ThrowAsync<StorageInvariantException>()).WithMessage("*11/10 rows*");
    }

    [Fact]
    public async Task A_membership_naming_a_role_that_does_not_exist_is_an_error_not_ignored()
    {
        var memberships = new MembershipStore(Storage);
        var principal = NewId("user-");
        await memberships.PutAsync(new Membership(principal, ["riverside-council"], [Role.FinanceLead], At, "ada"), default);
        (await memberships.GetAsync(principal, default))!.Roles.Should().Equal(Role.FinanceLead);
        await Tamper(StorageNames.DirectoryTable, MembershipStore.Partition, principal, "Roles", "FinanceLead,Overlord");

        var read = () => memberships.GetAsync(principal, default);

        (await read.Should().ThrowAsync<StorageInvariantException>()).WithMessage($"*Directory principal/{principal}*Overlord*");
    }

    [Fact]
    public async Task An_organisation_of_a_kind_that_does_not_exist_is_an_error()
    {
        var organisations = new OrganisationStore(Storage);
        var id = NewId("org-");
        await organisations.PutAsync(new Organisation(new OrganisationId(id), "Riverside Council", OrganisationKind.Council, "RC"), "ada", At, default);
        (await organisations.GetAsync(id, default))!.Kind.Should().Be(OrganisationKind.Council);
        await Tamper(StorageNames.DirectoryTable, OrganisationStore.Partition, id, "Kind", "Charity");

        var read = () => organisations.GetAsync(id, default);

        (await read.Should().ThrowAsync<StorageInvariantException>()).WithMessage("*Kind holds 'Charity'*");
    }

    [Fact]
    public async Task A_set_up_version_that_does_not_read_back_is_an_error_naming_it()
    {
        var pool = await NewPoolAsync();
        var setups = new PoolSetupStore(Storage, new OrganisationStore(Storage));
        (await setups.ReadPartVersionsAsync(pool.PoolId, PoolPartVersion.NamePart, default)).Should().ContainSingle()
            .Which.Name().Should().Be("Riverside Place");
        var key = $"partver~name~{pool.SetupVersion:D12}";
        await Tamper(StorageNames.PoolsTable, pool.PoolId, key, "Document", "{\"name\":\"Riverside\",\"extra\":1}");

        var read = () => setups.ReadPartVersionsAsync(pool.PoolId, null, default);

        (await read.Should().ThrowAsync<StorageInvariantException>()).Which.Message.Should().Contain(key).And.Contain("extra");
    }

    [Fact]
    public async Task An_organisation_version_under_the_wrong_key_is_an_error()
    {
        var organisations = new OrganisationStore(Storage);
        var id = NewId("org-");
        await organisations.PutAsync(new Organisation(new OrganisationId(id), "Riverside Council", OrganisationKind.Council, "RC"), "ada", At, default);
        (await organisations.ReadVersionsAsync(id, default)).Should().ContainSingle().Which.Name.Should().Be("Riverside Council");
        await Tamper(StorageNames.DirectoryTable, OrganisationStore.Partition, $"~ver~{id}~000000000001", "Version", 7L);

        var read = () => organisations.ReadVersionsAsync(id, default);

        (await read.Should().ThrowAsync<StorageInvariantException>()).WithMessage("*does not name its version*");
    }

    [Fact]
    public async Task A_control_total_without_its_amount_is_an_error()
    {
        var totals = new ControlTotalStore(Storage);
        var pool = NewId("pool-");
        var month = FinancialYear.Parse("2024/25").Month(6);
        await totals.PutAsync(pool, month, new ControlTotal("riverside-council", 6, 1_234_00, "CC-1", null, "alice", At), default);
        (await totals.ForMonthAsync(pool, month, default)).Should().ContainSingle().Which.AmountPence.Should().Be(1_234_00);
        await Remove(StorageNames.PoolsTable, pool, "ctl~2024~06~riverside-council", "AmountPence");

        var read = () => totals.ForMonthAsync(pool, month, default);

        (await read.Should().ThrowAsync<StorageInvariantException>()).WithMessage("*AmountPence is missing*");
    }

    [Fact]
    public async Task A_timer_run_reads_back_and_a_tampered_one_is_an_error()
    {
        var runs = new TimerRunStore(Storage);
        var name = "Timer" + Guid.NewGuid().ToString("N")[..8];
        await runs.RecordAsync(name, At, isPastDue: true, null, At + Duration.FromMinutes(5), default);
        var second = await runs.RecordAsync(name, At + Duration.FromMinutes(5), isPastDue: false, At, null, default);
        (await runs.GetAsync(name, default)).Should().Be(second);
        second.Runs.Should().Be(2);
        await Tamper(StorageNames.RunsTable, "timer", name, "LastWasPastDue", "maybe");

        var read = () => runs.GetAsync(name, default);

        (await read.Should().ThrowAsync<StorageInvariantException>()).WithMessage("*LastWasPastDue*");
    }
}
