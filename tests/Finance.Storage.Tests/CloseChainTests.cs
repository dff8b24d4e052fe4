using System.Text;
using Azure.Storage.Blobs.Models;
using Finance.Domain.Calendar;
using Finance.Storage.Closes;
using FluentAssertions;
using NodaTime;
using Xunit;

namespace Finance.Storage.Tests;

/// <summary>The chain of closes: links written once, each carrying the hash of the one before, the tip advanced with
/// If-Match, and every link read back strictly as the archive record it is.</summary>
public sealed class CloseChainTests(StorageAzurite azurite) : IClassFixture<StorageAzurite>
{
    private static readonly FinancialYear Year = FinancialYear.Parse("2024/25");
    private static readonly Instant At = Instant.FromUtc(2024, 10, 8, 9, 0);

    private LedgerStorage Storage { get; } = TestClients.Storage(azurite);

    private static FrozenStatement Statement(string poolId, int month) => new(
        FrozenStatement.CurrentFormat, poolId, "Riverside Place", Year.ToString(), month, Year.Month(month).PeriodEnd, At,
        ["Funding Source", "Title"], [new FrozenSource("place", "Place allocation", "ICB", false, 30_000_000)], 30_000_000,
        [new FrozenCommitment("frailty", "Frailty service", 18_000_000)], 18_000_000, 12_000_000,
        [new FrozenRow("frailty", "place", "ICB", "Frailty service", "riverside-council", "Riverside Council", 18_000_000, 0,
            Enumerable.Repeat(1_500_000L, month).ToList(), 1_500_000L * month, 0, 1_500_000L * month, 1_500_000L * month, 0, 18_000_000, false, "")],
        new FrozenTotals(18_000_000, 0, Enumerable.Repeat(1_500_000L, month).ToList(), 1_500_000L * month, 0, 1_500_000L * month, 1_500_000L * month, 0, 18_000_000));

    private static Func<int, string?, CloseLink> Close(string poolId, int month) => (seq, previous) => new CloseLink(
        CloseLink.CurrentFormat, seq, CloseEventKind.Close, poolId, Year.ToString(), month, At, "priya", null, null, 10 * seq, 3, previous,
        Statement(poolId, month), null, null, 0, []);

    private static Func<int, string?, CloseLink> Reopen(string poolId, int month) => (seq, previous) => new CloseLink(
        CloseLink.CurrentFormat, seq, CloseEventKind.Reopen, poolId, Year.ToString(), month, At, "priya", "Late invoice", null, 10 * seq, 3, previous,
        null, null, null, 0, []);

    [Fact]
    public async Task Links_read_back_in_order_each_hashing_the_one_before_and_the_tip_is_the_last()
    {
        var chain = new CloseChain(Storage);
        var pool = StorageAzurite.UniqueName("pool-");

        var first = await chain.AppendAsync(pool, Year, Close(pool, 4), _ => "csv,4\n"u8.ToArray(), default);
        var second = await chain.AppendAsync(pool, Year, Reopen(pool, 4), null, default);
        var third = await chain.AppendAsync(pool, Year, Close(pool, 4), _ => "csv,4 again\n"u8.ToArray(), default);
        var read = await new CloseChain(Storage).ReadAsync(pool, Year, fresh: true, default);

        read.Select(l => l.BlobName).Should().Equal(
            $"{pool}/2024-25/0001-close-m04.json", $"{pool}/2024-25/0002-reopen-m04.json", $"{pool}/2024-25/0003-close-m04.json");
        read.Select(l => l.Link.PreviousSha256).Should().Equal(null, first.Sha256, second.Sha256);
        read.Select(l => l.Sha256).Should().Equal(first.Sha256, second.Sha256, third.Sha256);
        read[0].Link.Statement.Should().BeEquivalentTo(Statement(pool, 4));
        (await chain.TipAsync(pool, Year, default)).Should().Be((3, third.Sha256));
        Encoding.UTF8.GetString(await chain.ReadBlobAsync(read[2].Link.CsvBlob!, default)).Should().Be("csv,4 again\n");
        read[2].Link.CsvSha256.Should().Be(CloseChain.Hash("csv,4 again\n"u8.ToArray()));
    }

    [Fact]
    public async Task Two_appends_on_the_same_tip_cannot_both_land()
    {
        var pool = StorageAzurite.UniqueName("pool-");
        var chain = new CloseChain(Storage);
        var other = new CloseChain(TestClients.Storage(azurite));

        // The other append lands after this one read the tip and before it moves it.
        var racing = () => chain.AppendAsync(pool, Year, (seq, previous) =>
        {
            other.AppendAsync(pool, Year, Close(pool, 5), null, default).GetAwaiter().GetResult();
            return Close(pool, 4)(seq, previous);
        }, null, default);

        await racing.Should().ThrowAsync<StaleRecordException>();
        var read = await chain.ReadAsync(pool, Year, fresh: true, default);
        read.Should().ContainSingle().Which.Link.Month.Should().Be(5);
    }

    [Theory]
    [InlineData("\"by\":\"priya\"", "\"by\":\"priya\",\"note\":\"added later\"", "does not read back")]
    [InlineData("\"format\":\"finance.close-link/1\"", "\"format\":\"finance.close-link/0\"", "format")]
    [InlineData("\"kind\":\"Close\"", "\"kind\":\"0\"", "does not read back")]
    public async Task A_link_that_is_not_the_archive_record_it_should_be_is_an_error_naming_its_blob(string find, string replace, string problem)
    {
        var pool = StorageAzurite.UniqueName("pool-");
        var chain = new CloseChain(Storage);
        var link = await chain.AppendAsync(pool, Year, Close(pool, 4), null, default);
        var text = Encoding.UTF8.GetString(link.Bytes);
        text.Should().Contain(find);
        var blob = Storage.Container(StorageNames.StatementsContainer).GetBlobClient(link.BlobName);
        await blob.UploadAsync(BinaryData.FromString(text.Replace(find, replace, StringComparison.Ordinal)), new BlobUploadOptions());

        var read = () => new CloseChain(Storage).ReadAsync(pool, Year, fresh: true, default);

        (await read.Should().ThrowAsync<StorageInvariantException>()).Which.Message.Should().Contain(link.BlobName).And.Contain(problem);
    }

    [Fact]
    public async Task A_link_that_would_not_read_back_is_refused_before_anything_is_written()
    {
        var pool = StorageAzurite.UniqueName("pool-");
        var chain = new CloseChain(Storage);

        var noStatement = () => chain.AppendAsync(pool, Year, (seq, previous) => Close(pool, 4)(seq, previous) with { Statement = null }, null, default);
        var wrongSeq = () => chain.AppendAsync(pool, Year, (seq, previous) => Close(pool, 4)(seq + 1, previous), null, default);

        await noStatement.Should().ThrowAsync<ArgumentException>();
        await wrongSeq.Should().ThrowAsync<ArgumentException>();
        (await chain.TipAsync(pool, Year, default)).Should().Be((0, null));
    }

    [Fact]
    public async Task A_read_that_lands_between_an_appends_tip_and_its_link_waits_for_the_link_instead_of_refusing_it()
    {
        var pool = StorageAzurite.UniqueName("pool-");
        var chain = new CloseChain(Storage);
        await chain.AppendAsync(pool, Year, Close(pool, 4), null, default);
        var second = await chain.AppendAsync(pool, Year, Close(pool, 5), null, default);
        var blob = Storage.Container(StorageNames.StatementsContainer).GetBlobClient(second.BlobName);

        // As an append leaves it between its two writes: the tip names link 2, whose blob is not there yet.
        await blob.DeleteAsync();
        var reading = new CloseChain(Storage).ReadCheckedAsync(pool, Year, default);
        await Task.Delay(60);
        await blob.UploadAsync(BinaryData.FromBytes(second.Bytes));
        var read = await reading;

        read.Should().HaveCount(2);
        read.Should().OnlyContain(l => l.Unconfirmed == null);
        read[1].Confirmed.Sha256.Should().Be(second.Sha256);
    }

    [Fact]
    public async Task A_link_the_chain_does_not_vouch_for_is_read_but_never_confirmed()
    {
        var pool = StorageAzurite.UniqueName("pool-");
        var chain = new CloseChain(Storage);
        var first = await chain.AppendAsync(pool, Year, Close(pool, 4), null, default);
        var second = await chain.AppendAsync(pool, Year, Close(pool, 5), null, default);
        await Storage.Container(StorageNames.StatementsContainer).GetBlobClient(second.BlobName).DeleteAsync();

        var read = await new CloseChain(Storage).ReadCheckedAsync(pool, Year, default);

        read.Should().ContainSingle();
        read[0].Unconfirmed.Should().Contain(first.BlobName).And.Contain("tip records link 2");
        var serve = () => read[0].Confirmed;
        serve.Should().Throw<FrozenRecordIntegrityException>().Which.BlobName.Should().Be(first.BlobName);
        CloseChain.Unconfirmed([first, second], 0, 2, second.Sha256).Should().BeNull("link 2 names link 1 and the tip names link 2");
        CloseChain.Unconfirmed([first, second with { Sha256 = new string('0', 64) }], 1, 2, second.Sha256)
            .Should().Contain("the chain's tip records " + second.Sha256);
        CloseChain.Unconfirmed([first with { Sha256 = new string('0', 64) }, second], 0, 2, second.Sha256)
            .Should().Contain("the link after it records " + first.Sha256);
    }
}
