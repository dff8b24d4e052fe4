using FsCheck;
using FsCheck.Fluent;
using Finance.Storage.Tables;
using Xunit;

namespace Finance.Storage.Tests;

/// <summary>Random text survives the JSON mapping and the filter escaping, against Azurite.</summary>
public sealed class TablePropertyTests(StorageAzurite azurite) : IClassFixture<StorageAzurite>
{
    [Fact]
    public async Task Random_strings_round_trip_through_an_entity_and_an_equality_filter()
    {
        var table = await TestClients.NewTableAsync(azurite);
        var counter = 0;
        var strings = ArbMap.Default.ArbFor<string>().Filter(s => s is not null && IsWellFormed(s));

        var property = Prop.ForAll(strings, text =>
        {
            var rowKey = $"r{Interlocked.Increment(ref counter):D4}";
            table.AddEntityAsync(new TableEntity("fs", rowKey) { ["S"] = text }).GetAwaiter().GetResult();

            var read = table.GetEntityAsync("fs", rowKey).GetAwaiter().GetResult().Value;
            var matches = table.QueryAsync(TableFilter.Create($"PartitionKey eq {"fs"} and S eq {text}")).ToListAsync().GetAwaiter().GetResult();

            return read.GetString("S") == text
                && matches.Count > 0
                && matches.All(e => e.GetString("S") == text)
                && matches.Any(e => e.RowKey == rowKey);
        });

        // Off xunit's synchronisation context: the property blocks on the client's tasks.
        await Task.Run(() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(50), property));
    }

    [Fact]
    public async Task Random_valid_keys_round_trip()
    {
        var table = await TestClients.NewTableAsync(azurite);
        var keys = ArbMap.Default.ArbFor<string>().Filter(s => s is not null && s.Length <= 512 && IsWellFormed(s)
            && !s.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c)));

        var property = Prop.ForAll(keys, key =>
        {
            table.UpsertEntityAsync(new TableEntity(key, key) { ["K"] = key }).GetAwaiter().GetResult();
            var read = table.GetEntityAsync(key, key).GetAwaiter().GetResult().Value;
            var matches = table.QueryAsync(TableFilter.Create($"PartitionKey eq {key} and RowKey eq {key}")).ToListAsync().GetAwaiter().GetResult();
            return read.PartitionKey == key && read.RowKey == key && matches.Count == 1 && matches[0].GetString("K") == key;
        });

        await Task.Run(() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(50), property));
    }

    private static bool IsWellFormed(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(s[i]))
            {
                return false;
            }
        }
        return true;
    }
}
