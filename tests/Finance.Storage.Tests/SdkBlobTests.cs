using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using FluentAssertions;
using Xunit;

namespace Finance.Storage.Tests;

/// <summary>Write-once records, whole reads and listings through the official Blob client against Azurite.</summary>
public sealed class SdkBlobTests(StorageAzurite azurite) : IClassFixture<StorageAzurite>
{
    private static readonly byte[] Content = "pool,line,month,amount\n"u8.ToArray();

    [Fact]
    public async Task A_record_is_written_once_an_identical_repeat_is_fine_and_other_bytes_are_refused()
    {
        var container = await TestClients.NewContainerAsync(azurite);
        var metadata = new Dictionary<string, string> { ["sha256"] = "abc", ["pool"] = "riverside-place" };

        var first = await StoredBlobs.WriteOnceAsync(container, "pool/one.csv", Content, "text/csv", metadata, default);
        var again = await StoredBlobs.WriteOnceAsync(container, "pool/one.csv", Content, "text/csv", metadata, default);
        var other = () => StoredBlobs.WriteOnceAsync(container, "pool/one.csv", [.. Content, 1], "text/csv", metadata, default);

        first.Should().Be(WriteOnceOutcome.Written);
        again.Should().Be(WriteOnceOutcome.AlreadyWritten);
        await other.Should().ThrowAsync<BlobConflictException>();
        var read = await StoredBlobs.ReadAsync(container, "pool/one.csv", default);
        read.Content.Should().Equal(Content);
        read.ContentType.Should().Be("text/csv");
        read.Metadata.Should().Contain("pool", "riverside-place");
    }

    [Fact]
    public async Task If_none_match_star_on_an_existing_blob_is_409_on_azurite()
    {
        var container = await TestClients.NewContainerAsync(azurite);
        var blob = container.GetBlobClient("once.json");
        await blob.UploadAsync(BinaryData.FromBytes(Content));

        var overwrite = () => blob.UploadAsync(BinaryData.FromBytes(Content), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } });

        (await overwrite.Should().ThrowAsync<RequestFailedException>()).Which.Status.Should().Be(409);
    }

    [Fact]
    public async Task If_match_with_a_stale_etag_is_412_and_with_the_current_one_succeeds()
    {
        var container = await TestClients.NewContainerAsync(azurite);
        var blob = container.GetBlobClient("versioned.json");
        var first = (await blob.UploadAsync(BinaryData.FromBytes(Content))).Value.ETag;
        var second = (await blob.UploadAsync(BinaryData.FromString("2"), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = first } })).Value.ETag;

        var stale = () => blob.UploadAsync(BinaryData.FromString("3"), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = first } });

        (await stale.Should().ThrowAsync<RequestFailedException>()).Which.Status.Should().Be(412);
        (await StoredBlobs.ReadAsync(container, "versioned.json", default)).ETag.Should().Be(second);
    }

    [Fact]
    public async Task Listing_by_prefix_pages_through_more_blobs_than_a_page_and_is_bounded()
    {
        var container = await TestClients.NewContainerAsync(azurite);
        foreach (var i in Enumerable.Range(0, 25))
        {
            await container.GetBlobClient($"pool-a/2024-25/{i:0000}.json").UploadAsync(BinaryData.FromString("{}"));
        }
        await container.GetBlobClient("pool-ab/2024-25/0000.json").UploadAsync(BinaryData.FromString("{}"));

        var pages = new List<Page<BlobItem>>();
        await foreach (var page in container.GetBlobsAsync(new GetBlobsOptions { Prefix = "pool-a/" }).AsPages(pageSizeHint: 10))
        {
            pages.Add(page);
        }
        var names = await StoredBlobs.NamesAsync(container, "pool-a/", 100, default);
        var tooMany = () => StoredBlobs.NamesAsync(container, "pool-a/", 24, default);

        pages.Select(p => p.Values.Count).Should().Equal(10, 10, 5);
        names.Should().Equal(Enumerable.Range(0, 25).Select(i => $"pool-a/2024-25/{i:0000}.json"));
        await tooMany.Should().ThrowAsync<StorageInvariantException>();
    }

    [Fact]
    public async Task A_missing_blob_is_null_or_404()
    {
        var container = await TestClients.NewContainerAsync(azurite);

        var missing = await StoredBlobs.ReadIfExistsAsync(container, "nothing.json", default);
        var read = () => StoredBlobs.ReadAsync(container, "nothing.json", default);

        missing.Should().BeNull();
        (await read.Should().ThrowAsync<RequestFailedException>()).Which.Status.Should().Be(404);
    }

    [Theory]
    [InlineData("../escape.csv")]
    [InlineData("pool/../other/x.csv")]
    [InlineData("/leading")]
    [InlineData("trailing/")]
    [InlineData("double//slash")]
    [InlineData("back\\slash")]
    [InlineData("control\u0001char")]
    [InlineData("ends.")]
    [InlineData("")]
    public async Task Unsafe_blob_names_are_refused_before_any_request(string name)
    {
        var container = TestClients.Storage(azurite, TestClients.Offline(out var counter)).Blobs.GetBlobContainerClient("imports");

        var write = () => StoredBlobs.WriteOnceAsync(container, name, Content, "text/csv", null, default);
        var read = () => StoredBlobs.ReadIfExistsAsync(container, name, default);

        await write.Should().ThrowAsync<ArgumentException>();
        await read.Should().ThrowAsync<ArgumentException>();
        counter.Requests.Should().Be(0);
    }

    [Fact]
    public async Task Every_request_speaks_the_pinned_version_which_azurite_accepts_and_the_sdk_default_it_refuses()
    {
        var versions = new VersionRecorder();
        var container = await TestClients.NewContainerAsync(azurite, o => o.AddPolicy(versions, HttpPipelinePosition.PerCall));
        await StoredBlobs.WriteOnceAsync(container, "v.json", Content, "application/json", null, default);
        var sdkDefault = new BlobServiceClient(azurite.ConnectionString, new BlobClientOptions { Retry = { MaxRetries = 0 } })
            .GetBlobContainerClient(container.Name).GetBlobClient("default.json");

        var unpinned = () => sdkDefault.UploadAsync(BinaryData.FromBytes(Content));

        versions.Seen.Should().NotBeEmpty().And.OnlyContain(v => v == "2026-06-06");
        (await unpinned.Should().ThrowAsync<RequestFailedException>()).Which.Status.Should().Be(400);
    }

    [Fact]
    public async Task A_wrong_account_key_is_refused_with_403()
    {
        var wrongKey = Convert.ToBase64String(new byte[64]);
        var container = LedgerStorage.ForConnectionString(azurite.ConnectionStringWithKey(wrongKey), o => o.Retry.MaxRetries = 0).Container("statements");

        var read = () => StoredBlobs.ReadIfExistsAsync(container, "any.json", default);

        (await read.Should().ThrowAsync<RequestFailedException>()).Which.Status.Should().Be(403);
    }

    private sealed class VersionRecorder : HttpPipelineSynchronousPolicy
    {
        public List<string> Seen { get; } = [];

        public override void OnSendingRequest(HttpMessage message)
        {
            if (message.Request.Headers.TryGetValue("x-ms-version", out var version))
            {
                lock (Seen)
                {
                    Seen.Add(version);
                }
            }
        }
    }
}
