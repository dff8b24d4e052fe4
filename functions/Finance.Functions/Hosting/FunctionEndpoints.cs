using System.Text.RegularExpressions;
using Finance.Functions.Access;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Finance.Functions.Hosting;

/// <summary>
/// Declares functions once: each call maps the handler's endpoint and attaches the <see cref="FunctionMetadata"/> that
/// <see cref="FunctionJsonWriter"/> turns into <c>&lt;Name&gt;/function.json</c>.
/// </summary>
public static partial class FunctionEndpoints
{
    // Function names become folder names in the package and URL paths for timers: keep them plain.
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{0,63}$")]
    private static partial Regex FunctionName();

    /// <summary>An HTTP function. With <c>enableForwardingHttpRequest</c> the host forwards the request unchanged, so the
    /// handler serves it at <c>/api/{route}</c>, exactly as a client addresses the function app. <paramref name="access"/>
    /// says who may call it; <see cref="AccessMiddleware"/> enforces it before <paramref name="handler"/> runs.</summary>
    public static RouteHandlerBuilder MapHttpFunction(
        this IEndpointRouteBuilder endpoints, string name, string method, string route, AuthLevel authLevel, AccessRule access, Delegate handler)
    {
        ValidateName(name);
        ArgumentNullException.ThrowIfNull(access);
        var parameters = RoutePatternFactory.Parse(route).Parameters.Select(p => p.Name).ToList();
        if (parameters.FirstOrDefault(p => !RouteParameters.IsKnown(p)) is { } unknown)
        {
            throw new InvalidOperationException($"{name}: route parameter '{unknown}' has no rule in {nameof(RouteParameters)}; add the shape its values must have.");
        }
        access.Check(name, method, parameters, authLevel == AuthLevel.Anonymous);
        var metadata = new FunctionMetadata(name, new HttpFunctionTrigger(route, [method.ToUpperInvariant()], authLevel));
        return endpoints.MapMethods($"/{FunctionMetadata.RoutePrefix}/{route}", [method.ToUpperInvariant()], handler)
            .WithName(name)
            .WithMetadata(metadata, access);
    }

    /// <summary>Declares an endpoint mapped by a framework helper (the OpenAPI document, say) as an HTTP function at
    /// <c>/api/{route}</c>, with the same checks and metadata as <see cref="MapHttpFunction"/>.</summary>
    public static TBuilder AsHttpFunction<TBuilder>(this TBuilder builder, string name, string method, string route, AuthLevel authLevel, AccessRule access)
        where TBuilder : IEndpointConventionBuilder
    {
        ValidateName(name);
        ArgumentNullException.ThrowIfNull(access);
        access.Check(name, method, RoutePatternFactory.Parse(route).Parameters.Select(p => p.Name).ToList(), authLevel == AuthLevel.Anonymous);
        return builder.WithName(name).WithMetadata(new FunctionMetadata(name, new HttpFunctionTrigger(route, [method.ToUpperInvariant()], authLevel)), access);
    }

    /// <summary>A timer function. The host POSTs its invocation payload to <c>/{name}</c> and expects the invocation
    /// response envelope back; <see cref="TimerInvocation"/> handles both sides so handlers see only the timer's data.
    /// No token: only the Functions host, on the same machine over loopback, reaches routes outside <c>/api</c>.</summary>
    public static RouteHandlerBuilder MapTimerFunction(
        this IEndpointRouteBuilder endpoints, string name, string schedule, Func<TimerInvocation, HttpContext, Task<TimerOutcome>> handler)
    {
        ValidateName(name);
        var metadata = new FunctionMetadata(name, new TimerFunctionTrigger(schedule));
        return endpoints.MapPost($"/{name}", (Delegate)((HttpContext context) => TimerInvocation.HandleAsync(name, context, handler)))
            .WithName(name)
            .WithMetadata(metadata)
            .ExcludeFromDescription();
    }

    /// <summary>Every function the app maps, in a stable order, read from the same endpoints that serve requests.</summary>
    public static IReadOnlyList<(FunctionMetadata Function, RouteEndpoint Endpoint)> Functions(this IEndpointRouteBuilder endpoints) =>
        endpoints.DataSources
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Select(endpoint => (Function: endpoint.Metadata.GetMetadata<FunctionMetadata>(), Endpoint: endpoint))
            .Where(pair => pair.Function is not null)
            .Select(pair => (pair.Function!, pair.Endpoint))
            .OrderBy(pair => pair.Item1.Name, StringComparer.Ordinal)
            .ToList();

    private static void ValidateName(string name)
    {
        if (!FunctionName().IsMatch(name))
        {
            throw new ArgumentException($"Function name '{name}' must be letters and digits, starting with a letter.", nameof(name));
        }
    }
}
