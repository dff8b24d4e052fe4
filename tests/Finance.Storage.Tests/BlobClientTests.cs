using System.Text;
using Azure;
using Finance.Storage.Blobs;
using FluentAssertions;
using Xunit;

namespace Finance.Storage.Tests;

/// <summary>Blob operations against Azurite.</summary>
public sealed class BlobClientTests(StorageAzurite azurite) : IClassFixture<StorageAzurite>
{
    [Fact]
    public async Task Containers_are_created_once_and_deleted()
    {
        var container = new BlobServiceClient(TestClients.Connection(azurite)).GetBlobContainerClient(StorageAzurite.UniqueName("c"));

        await container.CreateIfNotExistsAsync();
        await container.CreateIfNotExistsAsync();
        await container.GetBlobClient("x.txt").UploadAsync(BinaryData.FromString("x"));

        (await container.DeleteAsync()).Status.Should().Be(202);
        (await container.DeleteIfExistsAsync()).Value.Should().BeFalse();
        var act = () => container.DeleteAsync();
        (await act.Should().ThrowAsync<RequestFailedException>()).Which.ErrorCode.Should().Be("ContainerNotFound");
    }

    [Fact]
    public async Task Upload_and_download_keep_content_type_and_metadata()
    {
        var container = await TestClients.NewContainerAsync(azurite);
        var blob = container.GetBlobClient("2024-25/M08/statement 1 é.json");

        var info = await blob.UploadAsync(
            BinaryData.FromString("{\"total\":123}"),
            new BlobUploadOptions
            {
                ContentType = "application/json",
                Metadata = new Dictionary<string, string> { ["PoolId"] = "pool-1", ["sha256"] = "ab12 cd" },
            });
        var download = (await blob.DownloadContentAsync()).Value;

        info.GetRawResponse().Status.Should().Be(201);
        download.Content.ToString().Should().Be("{\"total\":123}");
        download.ContentType.Should().Be("application/json");
        download.Metadata.Should().BeEquivalentTo(new Dictionary<string, string> { ["PoolId"] = "pool-1", ["sha256"] = "ab12 cd" });
        download.Metadata["poolid"].Should().Be("pool-1", "metadata names ignore case");
        download.ETag.Should().Be(info.Value.ETag);
        download.LastModified.Should().NotBeNull();
        blob.Uri.AbsoluteUri.Should().EndWith("/2024-25/M08/statement%201%20%C3%A9.json");
        (await blob.ExistsAsync()).Value.Should().BeTrue();
    }

    [Fact]
    public async Task Stream_uploads_and_default_content_type()
    {
        var container = await TestClients.NewContainerAsync(azurite);
        var blob = container.GetBlobClient("imports/raw.csv");
        var bytes = Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(0, 20_000).Select(i => $"{i},£{i}.00")));

        await using (var stream = new MemoryStream(bytes))
        {
            await blob.UploadAsync(stream);
        }
        var download = (await blob.DownloadContentAsync()).Value;

        download.Content.ToArray().Should().Equal(bytes);
        download.ContentType.Should().Be("application/octet-stream");
        download.Metadata.Should().BeEmpty();
    }

    [Fact]
    public async Task If_none_match_star_writes_once()
    {
        var container = await TestClients.NewContainerAsync(azurite);
        var blob = container.GetBlobClient("statements/frozen.json");
        var once = new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } };

        await blob.UploadAsync(BinaryData.FromString("first"), once);
        var act = () => blob.UploadAsync(BinaryData.FromString("second"), once);

        var e = (await act.Should().ThrowAsync<RequestFailedException>()).Which;
        e.Status.Should().BeOneOf(409, 412);
        e.ErrorCode.Should().BeOneOf("BlobAlreadyExists", "ConditionNotMet");
        (await blob.DownloadContentAsync()).Value.Content.ToString().Should().Be("first");
    }

    [Fact]
    public async Task If_match_with_a_stale_etag_is_412_and_with_the_current_one_succeeds()
    {
        var container = await TestClients.NewContainerAsync(azurite);
        var blob = container.GetBlobClient("reports/run.json");
        var stale = (await blob.UploadAsync(BinaryData.FromString("v1"))).Value.ETag;
        var current = (await blob.UploadAsync(BinaryData.FromString("v2"))).Value.ETag;

        var act = () => blob.UploadAsync(BinaryData.FromString("v3"), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = stale } });

        var e = (await act.Should().ThrowAsync<RequestFailedException>()).Which;
        e.Status.Should().Be(412);
        e.ErrorCode.Should().Be("ConditionNotMet");
        await blob.UploadAsync(BinaryData.FromString("v3"), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = current } });
        (await blob.DownloadContentAsync()).Value.Content.ToString().Should().Be("v3");
    }

    [Fact]
    public async Task Delete_exists_and_missing_blobs()
    {
        var container = await TestClients.NewContainerAsync(azurite);
        var blob = container.GetBlobClient("gone.txt");
        var stale = (await blob.UploadAsync(BinaryData.FromString("a"))).Value.ETag;
        await blob.UploadAsync(BinaryData.FromString("b"));

        var staleDelete = () => blob.DeleteAsync(stale);
        (await staleDelete.Should().ThrowAsync<RequestFailedException>()).Which.Status.Should().Be(412);
        (await blob.DeleteAsync()).Status.Should().Be(202);

        (await blob.ExistsAsync()).Value.Should().BeFalse();
        (await blob.DeleteIfExistsAsync()).Value.Should().BeFalse();
        var download = () => blob.DownloadContentAsync();
        var e = (await download.Should().ThrowAsync<RequestFailedException>()).Which;
        e.Status.Should().Be(404);
        e.ErrorCode.Should().Be("BlobNotFound");
        var delete = () => blob.DeleteAsync();
        (await delete.Should().ThrowAsync<RequestFailedException>()).Which.ErrorCode.Should().Be("BlobNotFound");

        await blob.UploadAsync(BinaryData.FromString("c"));
        (await blob.DeleteIfExistsAsync()).Value.Should().BeTrue();
    }

    [Fact]
    public async Task Exists_in_a_missing_container_is_an_error()
    {
        var container = new BlobServiceClient(TestClients.Connection(azurite)).GetBlobContainerClient(StorageAzurite.UniqueName("c"));

        var act = () => container.GetBlobClient("x").DownloadContentAsync();

        (await act.Should().ThrowAsync<RequestFailedException>()).Which.ErrorCode.Should().Be("ContainerNotFound");
    }

    [Fact]
    public async Task Listing_by_prefix_pages_through_more_blobs_than_a_page()
    {
        var container = await TestClients.NewContainerAsync(azurite);
        var wanted = Enumerable.Range(0, 12).Select(i => $"pool-1/2024-25/{i:D2}.csv").ToList();
        foreach (var name in wanted.Concat(["pool-10/other.csv", "pool-2/x.csv"]))
        {
            await container.GetBlobClient(name).UploadAsync(
                BinaryData.FromString(name),
                new BlobUploadOptions { ContentType = "text/csv", Metadata = new Dictionary<string, string> { ["Source"] = "test" } });
        }

        var pages = await container.GetBlobsAsync(prefix: "pool-1/", pageSizeHint: 5).PagesAsync();

        pages.Select(p => p.Values.Count).Should().Equal(5, 5, 2);
        pages[..^1].Should().AllSatisfy(p => p.ContinuationToken.Should().NotBeNullOrEmpty());
        pages[^1].ContinuationToken.Should().BeNull();
        var items = pages.SelectMany(p => p.Values).ToList();
        items.Select(b => b.Name).Should().Equal(wanted);
        items.Should().AllSatisfy(b =>
        {
            b.ContentType.Should().Be("text/csv");
            b.ContentLength.Should().Be(b.Name.Length);
            b.Metadata.Should().ContainKey("Source").WhoseValue.Should().Be("test");
            b.LastModified.Should().NotBeNull();
        });
        items[0].ETag.Should().Be((await container.GetBlobClient(wanted[0]).DownloadContentAsync()).Value.ETag);
        (await container.GetBlobsAsync().ToListAsync()).Should().HaveCount(14);
        (await container.GetBlobsAsync("nothing/").ToListAsync()).Should().BeEmpty();
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("../secrets.txt")]
    [InlineData("pool-1/../../etc/passwd")]
    [InlineData("pool-1/./x")]
    [InlineData("a\\b")]
    [InlineData("..\\x")]
    [InlineData("/absolute")]
    [InlineData("trailing/")]
    [InlineData("double//slash")]
    [InlineData("dot.")]
    [InlineData("nul\0byte")]
    [InlineData("new\nline")]
    [InlineData("del\u007f")]
    public void Unsafe_blob_names_are_refused_before_any_request(string name)
    {
        var container = new BlobServiceClient(StorageConnection.Parse("UseDevelopmentStorage=true"), TestClients.Offline(out var counter))
            .GetBlobContainerClient("statements");

        FluentActions.Invoking(() => container.GetBlobClient(name)).Should().Throw<ArgumentException>();
        counter.Requests.Should().Be(0);
    }

    [Fact]
    public void Overlong_or_malformed_blob_names_are_refused()
    {
        var container = new BlobServiceClient(StorageConnection.Parse("UseDevelopmentStorage=true")).GetBlobContainerClient("statements");

        // Built in code: a lone surrogate in [InlineData] does not survive test discovery.
        FluentActions.Invoking(() => container.GetBlobClient("lone" + '\ud800' + "surrogate")).Should().Throw<ArgumentException>();

        FluentActions.Invoking(() => container.GetBlobClient(new string('a', 1025))).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => container.GetBlobClient(new string('a', 1024))).Should().NotThrow();
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Upper")]
    [InlineData("-start")]
    [InlineData("end-")]
    [InlineData("double--hyphen")]
    [InlineData("under_score")]
    public void Bad_container_names_are_refused(string name)
    {
        var service = new BlobServiceClient(StorageConnection.Parse("UseDevelopmentStorage=true"));

        FluentActions.Invoking(() => service.GetBlobContainerClient(name)).Should().Throw<ArgumentException>();
    }

    [Fact]
    public async Task Bad_metadata_and_oversized_content_are_refused_before_any_request()
    {
        var options = TestClients.Offline(out var counter);
        options.MaxBlobBytes = 10;
        var blob = new BlobServiceClient(StorageConnection.Parse("UseDevelopmentStorage=true"), options)
            .GetBlobContainerClient("imports").GetBlobClient("a.csv");

        await FluentActions.Awaiting(() => blob.UploadAsync(new BinaryData(new byte[11]))).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => blob.UploadAsync(new MemoryStream(new byte[11]))).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => blob.UploadAsync(BinaryData.FromString("x"), new BlobUploadOptions
        {
            Metadata = new Dictionary<string, string> { ["bad-name"] = "v" },
        })).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => blob.UploadAsync(BinaryData.FromString("x"), new BlobUploadOptions
        {
            Metadata = new Dictionary<string, string> { ["Name"] = "caf\u00e9" },
        })).Should().ThrowAsync<ArgumentException>();
        counter.Requests.Should().Be(0);
    }

    [Fact]
    public async Task Downloads_larger_than_the_limit_are_refused()
    {
        var container = await TestClients.NewContainerAsync(azurite);
        await container.GetBlobClient("big.bin").UploadAsync(new BinaryData(new byte[100]));
        var small = new BlobServiceClient(TestClients.Connection(azurite), new StorageClientOptions { MaxBlobBytes = 50 })
            .GetBlobContainerClient(container.Name).GetBlobClient("big.bin");

        await FluentActions.Awaiting(() => small.DownloadContentAsync()).Should().ThrowAsync<InvalidOperationException>().WithMessage("*limit*");
    }

    [Fact]
    public async Task A_wrong_account_key_is_refused_with_403()
    {
        var good = await TestClients.NewContainerAsync(azurite);
        var connection = StorageConnection.Parse(azurite.ConnectionStringWithKey(Convert.ToBase64String(new byte[64])));
        var blob = new BlobServiceClient(connection).GetBlobContainerClient(good.Name).GetBlobClient("x.txt");

        var act = () => blob.UploadAsync(BinaryData.FromString("x"));

        var e = (await act.Should().ThrowAsync<RequestFailedException>()).Which;
        e.Status.Should().Be(403);
        // Azure says AuthenticationFailed for a bad signature; Azurite 3.37 says AuthorizationFailure.
        e.ErrorCode.Should().BeOneOf("AuthenticationFailed", "AuthorizationFailure");
        (await FluentActions.Awaiting(() => blob.ExistsAsync()).Should().ThrowAsync<RequestFailedException>()).Which.Status.Should().Be(403);
    }
}
