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
