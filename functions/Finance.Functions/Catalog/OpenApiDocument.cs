using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using Finance.Functions.Access;
using NodaTime;

namespace Finance.Functions.Catalog;

/// <summary>
/// The API's OpenAPI 3.1 document, written from the same declarations that serve requests: each HTTP function's route,
/// verb and access rule (<see cref="FunctionCatalog"/>) and the answers it declares beside itself
/// (<see cref="RespondsAttribute"/>, <see cref="ProblemsAttribute"/>, <see cref="SummaryAttribute"/>). Body schemas come
/// from System.Text.Json's own schema exporter, with the API's serializer options, so they are the shapes the API
/// writes; each of the app's own types is one component. Timers are not part of the public API.
/// </summary>
public static class OpenApiDocument
{
    private const string ProblemSchema = "ProblemDetails";

    public static JsonObject Build(FunctionCatalog catalog, JsonSerializerOptions json)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(json);
        var schemas = new Schemas(json);
        var paths = new JsonObject();
        foreach (var function in catalog.Functions.Where(f => f.Http is not null))
        {
            var http = function.Http!;
            var path = $"/{FunctionCatalog.RoutePrefix}/{http.Route}";
            if (paths[path] is not JsonObject item)
            {
                paths[path] = item = new JsonObject();
            }
            item[http.Methods[0].ToLowerInvariant()] = Operation(function, schemas);
        }
        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject
            {
                ["title"] = "Pooled budget ledger",
                ["description"] = "Section 75 pooled budgets: set-up, posting, CSV import, statements and positions. Amounts are pence (integers) and formatted pounds.",
                ["version"] = "1",
            },
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = schemas.Components(),
                ["securitySchemes"] = new JsonObject
                {
                    ["bearer"] = new JsonObject { ["type"] = "http", ["scheme"] = "bearer", ["bearerFormat"] = "JWT" },
                    ["functionKey"] = new JsonObject { ["type"] = "apiKey", ["in"] = "header", ["name"] = "x-functions-key" },
                },
            },
        };
    }

    private static JsonObject Operation(DeclaredFunction function, Schemas schemas)
    {
        var method = function.Method;
        var responses = new JsonObject();
        foreach (var responds in method.GetCustomAttributes<RespondsAttribute>())
        {
            var response = new JsonObject { ["description"] = Description(responds.Status) };
            // A success with a body says what it is: the body's schema, any JSON object (this document itself), or bytes.
            if (responds.Body is not null || responds.ContentTypes.Any(t => t != "application/json")
                || responds.Status is >= 200 and < 300 and not 204)
            {
                var content = new JsonObject();
                foreach (var type in responds.ContentTypes)
                {
                    content[type] = new JsonObject
                    {
                        ["schema"] = type == "application/json"
                            ? responds.Body is { } body ? schemas.Reference(body) : new JsonObject { ["type"] = "object" }
                            : new JsonObject { ["type"] = "string", ["format"] = "binary" },
                    };
                }
                response["content"] = content;
            }
            responses[Code(responds.Status)] = response;
        }
        var problems = new SortedSet<int>(method.GetCustomAttribute<ProblemsAttribute>()?.Statuses ?? []);
        if (function.Access?.Kind != AccessKind.Anonymous)
        {
            problems.UnionWith([401, 429]);
        }
        if (function.Access?.Kind is AccessKind.Roles or AccessKind.Pool)
        {
            problems.Add(403);
        }
        problems.UnionWith([500, 503]);
        foreach (var status in problems.Where(s => responses[Code(s)] is null))
        {
            responses[Code(status)] = new JsonObject
            {
                ["description"] = Description(status),
                ["content"] = new JsonObject { ["application/problem+json"] = new JsonObject { ["schema"] = Schemas.Reference(ProblemSchema) } },
            };
        }
        var operation = new JsonObject
        {
            ["operationId"] = function.Name,
            ["parameters"] = new JsonArray([
                .. function.Http!.RouteParameters.Select(p => (JsonNode)new JsonObject
                {
                    ["name"] = p,
                    ["in"] = "path",
                    ["required"] = true,
                    ["schema"] = new JsonObject { ["type"] = "string" },
                }),
                .. function.Http.Query.Select(q => (JsonNode)new JsonObject
                {
                    ["name"] = q,
                    ["in"] = "query",
                    ["required"] = false,
                    ["allowEmptyValue"] = false,
                    ["schema"] = new JsonObject { ["type"] = "string", ["minLength"] = 1 },
                }),
            ]),
            ["responses"] = responses,
        };
        if (function.Http.Body is { } request)
        {
            operation["requestBody"] = new JsonObject
            {
                ["required"] = !request.Optional,
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = schemas.Reference(request.Body) } },
            };
        }
        if (function.Http.Csv is { } csv)
        {
            operation["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["description"] = $"A header row naming the columns {string.Join(", ", csv.Columns)} (any order, any case), then one row each.",
                ["content"] = new JsonObject { ["text/csv"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string" } } },
            };
        }
        if (method.GetCustomAttribute<SummaryAttribute>() is { } summary)
        {
            operation["summary"] = summary.Text;
        }
        if (function.Access?.Kind != AccessKind.Anonymous)
        {
            operation["security"] = new JsonArray(new JsonObject { ["bearer"] = new JsonArray(), ["functionKey"] = new JsonArray() });
        }
        return operation;
    }

    private static string Code(int status) => status.ToString(CultureInfo.InvariantCulture);

    private static string Description(int status) => status switch
    {
        200 => "OK",
        201 => "Created",
        202 => "Accepted: the work carries on; Location says where to follow it.",
        204 => "No content",
        304 => "Not modified: the If-None-Match ETag is current.",
        400 => "The request is not valid; errors names each field.",
        401 => "No valid bearer token.",
        403 => "The caller's roles do not allow this.",
        404 => "Not found, or out of the caller's reach.",
        406 => "No format the Accept header allows.",
        409 => "The state does not allow it (a closed month, a reused Idempotency-Key...).",
        412 => "The resource changed since the caller read it (If-Match).",
        413 => "Too large.",
        415 => "Not a media type this function reads.",
        422 => "Well formed, but names something that does not exist or breaks a rule.",
        429 => "Too many requests; Retry-After says when to try again.",
        500 => "Something went wrong on our side; no detail is given.",
        503 => "Storage (or the pool) is busy or unreachable; try again.",
        _ => "Answer",
    };

    /// <summary>The app's own types as components, each exported once, referring to one another by $ref.</summary>
    private sealed class Schemas(JsonSerializerOptions json)
    {
        private readonly SortedDictionary<string, JsonNode> components = new(StringComparer.Ordinal)
        {
            [ProblemSchema] = new JsonObject
            {
                ["type"] = "object",
                ["description"] = "RFC 9457 problem details.",
                ["properties"] = new JsonObject
                {
                    ["type"] = new JsonObject { ["type"] = "string" },
                    ["title"] = new JsonObject { ["type"] = "string" },
                    ["status"] = new JsonObject { ["type"] = "integer" },
                    ["detail"] = new JsonObject { ["type"] = "string" },
                    ["errors"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } } },
                },
            },
        };

        private readonly Queue<Type> pending = new();

        public JsonObject Reference(Type type)
        {
            var name = NameOf(type);
            if (!components.ContainsKey(name))
            {
                components[name] = new JsonObject(); // claimed now, exported below, so a type refers to itself safely
                pending.Enqueue(type);
            }
            return Reference(name);
        }

        public static JsonObject Reference(string name) => new() { ["$ref"] = $"#/components/schemas/{name}" };

        public JsonObject Components()
        {
            while (pending.TryDequeue(out var type))
            {
                components[NameOf(type)] = Export(type);
            }
            var result = new JsonObject();
            foreach (var (name, schema) in components)
            {
                result[name] = schema.DeepClone();
            }
            return result;
        }

        private JsonNode Export(Type root) => JsonSchemaExporter.GetJsonSchemaAsNode(json, root, new JsonSchemaExporterOptions
        {
            TransformSchemaNode = (context, node) =>
            {
                var type = context.TypeInfo.Type;
                var nullable = Nullable.GetUnderlyingType(type) ?? type;
                if (nullable == typeof(Instant))
                {
                    return new JsonObject { ["type"] = "string", ["format"] = "date-time" };
                }
                if (nullable == typeof(LocalDate))
                {
                    return new JsonObject { ["type"] = "string", ["format"] = "date" };
                }
                // The app's own types nested in another become references to their own component.
                return type != root && IsOwn(type) ? Reference(type) : node;
            },
        });

        private static bool IsOwn(Type type) =>
            type.Namespace?.StartsWith("Finance.", StringComparison.Ordinal) == true && !type.IsEnum && type.IsClass;

        private static string NameOf(Type type) => type.Name;
    }
}
