using Azure.Core;
using FluentAssertions;
using Xunit;

namespace Finance.Storage.Tests;

public sealed class StorageConnectionTests
{
    // Not a real key: distinctive, so a message that echoes it is easy to catch.
    private const string Key = "c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWxlYWstMTIzNDU2Nzg5MA==";

    [Fact]
    public void Development_storage_points_at_local_azurite_ports()
    {
        var connection = StorageConnection.Parse("UseDevelopmentStorage=true");

        connection.TableServiceUri.Should().Be(new Uri("http://127.0.0.1:10002/devstoreaccount1"));
        connection.BlobServiceUri.Should().Be(new Uri("http://127.0.0.1:10000/devstoreaccount1"));
        connection.AccountName.Should().Be("devstoreaccount1");
        connection.UsesSharedKey.Should().BeTrue();
    }

    [Fact]
    public void Account_key_form_derives_endpoints_from_protocol_name_and_suffix()
    {
        var connection = StorageConnection.Parse(
            $"DefaultEndpointsProtocol=https;AccountName=ledgerprod;AccountKey={Key};EndpointSuffix=core.windows.net");

        connection.TableServiceUri.Should().Be(new Uri("https://ledgerprod.table.core.windows.net"));
        connection.BlobServiceUri.Should().Be(new Uri("https://ledgerprod.blob.core.windows.net"));
        connection.AccountName.Should().Be("ledgerprod");
    }

    [Fact]
    public void Endpoint_suffix_defaults_to_public_azure()
    {
        var connection = StorageConnection.Parse($"DefaultEndpointsProtocol=https;AccountName=ledgerprod;AccountKey={Key}");

        connection.BlobServiceUri.Should().Be(new Uri("https://ledgerprod.blob.core.windows.net"));
    }

    [Fact]
    public void Explicit_endpoints_win_and_lose_their_trailing_slash()
    {
        var connection = StorageConnection.Parse(
            $"AccountName=devstoreaccount1;AccountKey={Key};TableEndpoint=http://127.0.0.1:1234/devstoreaccount1/;" +
            "BlobEndpoint=http://127.0.0.1:5678/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1");

        connection.TableServiceUri.Should().Be(new Uri("http://127.0.0.1:1234/devstoreaccount1"));
        connection.BlobServiceUri.Should().Be(new Uri("http://127.0.0.1:5678/devstoreaccount1"));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("UseDevelopmentStorage=false", "UseDevelopmentStorage")]
    [InlineData("UseDevelopmentStorage=true;AccountName=x", "cannot be combined")]
    [InlineData("DefaultEndpointsProtocol=https;AccountKey=" + Key, "AccountName")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=Ledger_Prod;AccountKey=" + Key, "AccountName")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=ledgerprod", "AccountKey")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=ledgerprod;SharedAccessSignature=sv=2020&sig=" + Key, "unsupported setting")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=ledgerprod;AccountKey=not*base64" + Key, "AccountKey is not valid base64")]
    [InlineData("DefaultEndpointsProtocol=ftp;AccountName=ledgerprod;AccountKey=" + Key, "DefaultEndpointsProtocol")]
    [InlineData("AccountName=ledgerprod;AccountKey=" + Key, "TableEndpoint")]
    [InlineData("AccountName=ledgerprod;AccountKey=" + Key + ";TableEndpoint=http://127.0.0.1:1/a", "BlobEndpoint")]
    [InlineData("AccountName=ledgerprod;AccountKey=" + Key + ";TableEndpoint=not a url;BlobEndpoint=http://x/", "TableEndpoint")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=ledgerprod;AccountName=other;AccountKey=" + Key, "more than once")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=ledgerprod;" + Key, "unsupported setting '(unrecognised)'")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=ledgerprod;c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWxlYWstMTIzNDU2Nzg5MA", "not 'Name=value'")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=ledgerprod;AccountKey=" + Key + ";EndpointSuffix=https://x/", "EndpointSuffix")]
    public void Bad_connection_strings_name_the_problem_without_echoing_the_key(string connectionString, string expected)
    {
        var act = () => StorageConnection.Parse(connectionString);

        var message = act.Should().Throw<ArgumentException>().Which.Message;
        message.Should().Contain(expected);
        message.Should().NotContain(Key).And.NotContain(Key[..20]);
    }

    [Fact]
    public void Overlong_connection_string_is_refused()
    {
        var act = () => StorageConnection.Parse("AccountName=" + new string('a', 5000));

        act.Should().Throw<ArgumentException>().WithMessage("*longer than*");
    }

    [Fact]
    public void ToString_shows_endpoints_but_not_the_key()
    {
        var connection = StorageConnection.Parse($"DefaultEndpointsProtocol=https;AccountName=ledgerprod;AccountKey={Key}");

        connection.ToString().Should().Contain("ledgerprod.table.core.windows.net").And.NotContain(Key[..20]);
    }

    [Fact]
    public void Token_credential_connection_takes_the_account_from_the_host()
    {
        TokenCredential credential = new FixedTokenCredential();
        var connection = StorageConnection.FromTokenCredential(
            new Uri("https://ledgerprod.table.core.windows.net/"), new Uri("https://ledgerprod.blob.core.windows.net"), credential);

        connection.AccountName.Should().Be("ledgerprod");
        connection.UsesSharedKey.Should().BeFalse();
        connection.TableServiceUri.Should().Be(new Uri("https://ledgerprod.table.core.windows.net"));
    }

    [Fact]
    public void Token_credential_connection_reads_a_path_style_account()
    {
        TokenCredential credential = new FixedTokenCredential();
        var connection = StorageConnection.FromTokenCredential(
            new Uri("https://127.0.0.1:10002/devstoreaccount1"), new Uri("https://127.0.0.1:10000/devstoreaccount1"), credential);

        connection.AccountName.Should().Be("devstoreaccount1");
    }
}

/// <summary>A credential that is never asked for a token in these tests.</summary>
internal sealed class FixedTokenCredential : TokenCredential
{
    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        new("not-a-token", DateTimeOffset.UtcNow.AddHours(1));

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
