namespace Finance.Functions.Catalog;

/// <summary>What a function does, in a sentence, for its OpenAPI operation.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class SummaryAttribute(string text) : Attribute
{
    public string Text { get; } = text;
}

/// <summary>One answer a function gives, with the type of its body and the media types it comes in; the OpenAPI
/// document is written from these. Refusals are declared with <see cref="ProblemsAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class RespondsAttribute(Type? body, int status = 200) : Attribute
{
    public Type? Body { get; } = body;

    public int Status { get; } = status;

    /// <summary>Media types of the body; JSON when not given.</summary>
    public string[] ContentTypes { get; init; } = ["application/json"];
}

/// <summary>The problem+json answers a function gives besides the ones every function may (401, 403, 429, 500, 503).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class ProblemsAttribute(params int[] statuses) : Attribute
{
    public IReadOnlyList<int> Statuses { get; } = statuses;
}

/// <summary>
/// The query parameters a function reads, each at most once and never empty: the access middleware refuses any other
/// (400 naming it) before the function runs, so a misspelt filter is never taken for "all". The function key's
/// <c>code</c> is always allowed.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class QueryAttribute(params string[] names) : Attribute
{
    public IReadOnlyList<string> Names { get; } = names;
}

/// <summary>The JSON body a function reads: the access middleware refuses another Content-Type (415) before it runs.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class JsonRequestAttribute(Type body) : Attribute
{
    public Type Body { get; } = body;

    /// <summary>The body may be left out altogether (no Content-Length, no Transfer-Encoding).</summary>
    public bool Optional { get; init; }
}

/// <summary>
/// A CSV body a function reads: its columns, by the names its header gives them (any order, any case). The OpenAPI
/// document lists them; the request-shape tests put bad text in each, so a column added here is tested by being named.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class CsvRequestAttribute(params string[] columns) : Attribute
{
    public IReadOnlyList<string> Columns { get; } = columns;
}
