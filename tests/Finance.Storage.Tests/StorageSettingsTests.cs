using Azure.Data.Tables;
using Azure.Storage.Blobs;
using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Finance.Storage.Tests;

/// <summary>How the app finds its storage account: a connection string locally, service URIs and its identity in Azure.</summary>
public sealed class StorageSettingsTests
{
    private static IConfiguration Settings(params (string Name, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(StorageSettings.Key(v.Name), (string?)v.Value))).Build();

    [Fact]
    public void A_connection_string_is_used_when_set_and_never_shown()
    {
        var settings = StorageSettings.Read(Settings(
            (StorageSettings.ConnectionStringSetting, $"DefaultEndpointsProtocol=http;AccountName={StorageAzurite.AccountName};AccountKey={StorageAzurite.AccountKey}"),
            (StorageSettings.TableServiceUriSetting, "https://ignored.table.core.windows.net")));

        settings.UsesConnectionString.Should().BeTrue();
        settings.ToString().Should().NotContain(StorageAzurite.AccountKey);
    }

    [Fact]
    public void Without_a_connection_string_both_service_uris_are_needed_and_must_be_https()
    {
        var both = StorageSettings.Read(Settings(
            (StorageSettings.TableServiceUriSetting, "https://ledger.table.core.windows.net"),
            (StorageSettings.BlobServiceUriSetting, "https://ledger.blob.core.windows.net")));
        var one = () => StorageSettings.Read(Settings((StorageSettings.TableServiceUriSetting, "https://ledger.table.core.windows.net")));
        var plainHttp = () => StorageSettings.Read(Settings(
            (StorageSettings.TableServiceUriSetting, "http://ledger.table.core.windows.net"),
            (StorageSettings.BlobServiceUriSetting, "https://ledger.blob.core.windows.net")));

        both.UsesConnectionString.Should().BeFalse();
        both.TableServiceUri.Should().Be(new Uri("https://ledger.table.core.windows.net"));
        one.Should().Throw<InvalidOperationException>().WithMessage($"*{StorageSettings.ConnectionStringSetting}*{StorageSettings.BlobServiceUriSetting}*");
        plainHttp.Should().Throw<InvalidOperationException>().WithMessage($"{StorageSettings.TableServiceUriSetting} must be an https URL*");
    }

    [Fact]
    public void The_registered_clients_are_the_official_ones_on_the_configured_account()
    {
        var configuration = Settings((StorageSettings.ConnectionStringSetting, "UseDevelopmentStorage=true"));
        using var services = new ServiceCollection().AddFinanceStorage(configuration).BuildServiceProvider();

        var storage = services.GetRequiredService<LedgerStorage>();

        storage.Tables.Should().BeSameAs(services.GetRequiredService<TableServiceClient>());
        storage.Blobs.Should().BeSameAs(services.GetRequiredService<BlobServiceClient>());
        storage.Tables.AccountName.Should().Be(StorageAzurite.AccountName);
        storage.Blobs.Uri.Should().Be(new Uri($"http://127.0.0.1:10000/{StorageAzurite.AccountName}"));
    }

    [Fact]
    public void Service_uris_give_clients_on_those_endpoints_by_identity()
    {
        var configuration = Settings(
            (StorageSettings.TableServiceUriSetting, "https://ledgerprod.table.core.windows.net"),
            (StorageSettings.BlobServiceUriSetting, "https://ledgerprod.blob.core.windows.net"));
        using var services = new ServiceCollection().AddFinanceStorage(configuration).BuildServiceProvider();

        var storage = services.GetRequiredService<LedgerStorage>();

        storage.Tables.Uri.Should().Be(new Uri("https://ledgerprod.table.core.windows.net"));
        storage.Blobs.Uri.Should().Be(new Uri("https://ledgerprod.blob.core.windows.net"));
    }

    [Fact]
    public void Missing_or_malformed_settings_stop_the_app_when_storage_is_first_resolved_without_showing_a_key()
    {
        using var none = new ServiceCollection().AddFinanceStorage(Settings()).BuildServiceProvider();
        using var malformed = new ServiceCollection()
            .AddFinanceStorage(Settings((StorageSettings.ConnectionStringSetting, "AccountName=x;AccountKey=secret-not-base64;Nonsense")))
            .BuildServiceProvider();

        var resolveNone = () => none.GetRequiredService<LedgerStorage>();
        var resolveMalformed = () => malformed.GetRequiredService<LedgerStorage>();

        resolveNone.Should().Throw<InvalidOperationException>().WithMessage($"Set {StorageSettings.ConnectionStringSetting}*");
        resolveMalformed.Should().Throw<InvalidOperationException>()
            .Where(e => e.Message.Contains(StorageSettings.ConnectionStringSetting) && !e.Message.Contains("secret"));
    }
}
