using System.Text.Json;
using Finance.Functions.Access;
using Microsoft.Azure.Functions.Worker;

namespace Finance.Functions.Catalog;

public sealed class OpenApiFunctions(FunctionCatalog catalog, JsonSerializerOptions json)
{
    /// <summary>The document is the same for the life of the process: written once.</summary>
    private static string? document;

    [Function("GetOpenApi")]
    [Access(Rule.AnyCaller)]
    [Summary("This API described by its own functions: routes, parameters, response types and refusals, as OpenAPI 3.1.")]
    [Responds(null)]
    public IResult GetOpenApi([HttpTrigger(AuthorizationLevel.Function, "get", Route = "openapi.json")] HttpRequest request) =>
        TypedResults.Text(document ??= OpenApiDocument.Build(catalog, json).ToJsonString(), "application/json");
}
