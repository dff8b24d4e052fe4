namespace Finance.Functions.Outcomes;

/// <summary>How a service's request was refused. Nothing was changed by a refusal.</summary>
public enum RefusalKind
{
    /// <summary>The request is malformed or a field is wrong (400, naming each field).</summary>
    Invalid,

    /// <summary>What it names does not exist, or is out of the caller's reach (404).</summary>
    NotFound,

    /// <summary>The caller may not do this (403).</summary>
    Forbidden,

    /// <summary>Well formed, but names something the pool does not have or breaks a rule (422).</summary>
    Unprocessable,

    /// <summary>The state does not allow it: a closed month, a reused key, a month not yet ended (409).</summary>
    Conflict,

    /// <summary>The caller's version is not the current one (412).</summary>
    PreconditionFailed,

    /// <summary>More than one request may carry (413).</summary>
    TooLarge,

    /// <summary>Other writers kept getting in first; nothing was written; send it again (503 with Retry-After).</summary>
    Busy,
}

/// <summary>
/// A refusal in the API's own words, HTTP-free: each area's functions turn it into problem+json in one place
/// (<c>Http.Answers</c>). <see cref="Errors"/> names the fields at fault; <see cref="Extensions"/> carries what a
/// client can act on (the closed month, the CSV rows at fault, the findings that block a close).
/// </summary>
public sealed record Refusal(
    RefusalKind Kind, string Title, string Detail, IReadOnlyDictionary<string, string[]>? Errors = null,
    IReadOnlyDictionary<string, object?>? Extensions = null)
{
    public static Refusal Invalid(string field, string message, string title = "The request is not valid.") =>
        Invalid(new Dictionary<string, string[]> { [field] = [message] }, title);

    public static Refusal Invalid(IReadOnlyDictionary<string, string[]> errors, string title = "The request is not valid.") =>
        new(RefusalKind.Invalid, title, Describe(errors), errors);

    public static Refusal Unprocessable(IReadOnlyDictionary<string, string[]> errors, string title) =>
        new(RefusalKind.Unprocessable, title, Describe(errors), errors);

    public static Refusal NotFound(string detail) => new(RefusalKind.NotFound, "Not found.", detail);

    public static Refusal Forbidden(string detail) => new(RefusalKind.Forbidden, "Forbidden.", detail);

    public static Refusal Conflict(string title, string detail, IReadOnlyDictionary<string, object?>? extensions = null) =>
        new(RefusalKind.Conflict, title, detail, Extensions: extensions);

    public static Refusal Busy(string detail) => new(RefusalKind.Busy, "The pool is busy.", detail);

    /// <summary>The pool is missing or out of reach: the same words either way, so a 404 reveals nothing.</summary>
    public static Refusal NoPool(string poolId) => NotFound($"There is no pool '{poolId}'.");

    private static string Describe(IReadOnlyDictionary<string, string[]> errors) =>
        string.Join(" ", errors.Select(e => $"{(e.Key.Length == 0 ? "body" : e.Key)}: {string.Join(" ", e.Value)}"));
}

/// <summary>How a request that was not refused came out.</summary>
public enum Done
{
    /// <summary>Read, replaced or applied (200).</summary>
    Ok,

    /// <summary>Created (201, with the new resource's location).</summary>
    Created,

    /// <summary>Accepted for work that carries on in the background (202, with where to follow it).</summary>
    Accepted,

    /// <summary>Done, nothing to show (204).</summary>
    NoContent,
}

/// <summary>
/// What a service answers: a value and how it came about, or a <see cref="Refusal"/>. Services are HTTP-free; the
/// function maps this to a response through <c>Http.Answers</c>.
/// </summary>
public sealed record Outcome<T>
{
    private Outcome(T? value, Done done, Refusal? refusal)
    {
        Value = value;
        Done = done;
        Refusal = refusal;
    }

    public T? Value { get; }

    public Done Done { get; }

    public Refusal? Refusal { get; }

    /// <summary>The version of what was read or written, for an ETag.</summary>
    public string? Version { get; init; }

    /// <summary>Where the created resource (or the accepted work) is.</summary>
    public string? Location { get; init; }

    public bool Refused => Refusal is not null;

    internal static Outcome<T> Make(T? value, Done done, Refusal? refusal) => new(value, done, refusal);

    /// <summary>A refusal where an outcome is expected: services <c>return Refusal.NotFound(...)</c>.</summary>
    public static implicit operator Outcome<T>(Refusal refusal) => Outcome.Refuse<T>(refusal);
}

/// <summary>Makes <see cref="Outcome{T}"/>s.</summary>
public static class Outcome
{
    public static Outcome<T> Of<T>(T value, Done done = Done.Ok) => Outcome<T>.Make(value, done, null);

    public static Outcome<T> Refuse<T>(Refusal refusal) =>
        Outcome<T>.Make(default, Done.Ok, refusal ?? throw new ArgumentNullException(nameof(refusal)));
}
