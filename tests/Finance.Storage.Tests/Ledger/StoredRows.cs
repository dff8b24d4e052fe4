using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;

namespace Finance.Storage.Tests.Ledger;

/// <summary>
/// A partition's rows as a JSON file, each property with its EDM type, so a ledger written by an earlier release can be
/// put back into Azurite exactly as that release left it (keys, property names and types), and read by this one.
/// </summary>
internal static class StoredRows
{
    public static async Task<string> DumpAsync(TableClient table, string partitionKey)
    {
        var rows = new JsonArray();
        await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}")))
        {
            var properties = new JsonObject();
            foreach (var (name, value) in entity.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (name is "odata.etag" or "Timestamp" or "PartitionKey" or "RowKey")
                {
                    continue;
                }
                properties[name] = value switch
                {
                    string s => new JsonObject { ["String"] = s },
                    long l => new JsonObject { ["Int64"] = l.ToString(CultureInfo.InvariantCulture) },
                    int i => new JsonObject { ["Int32"] = i },
                    bool b => new JsonObject { ["Boolean"] = b },
                    double d => new JsonObject { ["Double"] = d },
                    DateTimeOffset t => new JsonObject { ["DateTime"] = t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) },
                    byte[] bytes => new JsonObject { ["Binary"] = Convert.ToBase64String(bytes) },
                    _ => throw new InvalidOperationException($"{entity.RowKey}.{name} is a {value?.GetType().Name}, which the dump does not keep."),
                };
            }
            rows.Add(new JsonObject { ["RowKey"] = entity.RowKey, ["Properties"] = properties });
        }
        return rows.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Adds the file's rows to <paramref name="partitionKey"/> of <paramref name="table"/>; returns how many.</summary>
    public static async Task<int> LoadAsync(TableClient table, string partitionKey, string json)
    {
        var rows = JsonNode.Parse(json)!.AsArray();
        var actions = new List<TableTransactionAction>();
        foreach (var row in rows)
        {
            var entity = new TableEntity(partitionKey, row!["RowKey"]!.GetValue<string>());
            foreach (var (name, typed) in row["Properties"]!.AsObject())
            {
                var (type, value) = typed!.AsObject().Single();
                entity[name] = type switch
                {
                    "String" => value!.GetValue<string>(),
                    "Int64" => long.Parse(value!.GetValue<string>(), CultureInfo.InvariantCulture),
                    "Int32" => value!.GetValue<int>(),
                    "Boolean" => value!.GetValue<bool>(),
                    "Double" => value!.GetValue<double>(),
                    "DateTime" => DateTimeOffset.Parse(value!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                    "Binary" => Convert.FromBase64String(value!.GetValue<string>()),
                    _ => throw new InvalidOperationException($"Unknown type {type} of {entity.RowKey}.{name}."),
                };
            }
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, entity));
        }
        foreach (var chunk in actions.Chunk(100))
        {
            await table.SubmitTransactionAsync(chunk);
        }
        return actions.Count;
    }
}
