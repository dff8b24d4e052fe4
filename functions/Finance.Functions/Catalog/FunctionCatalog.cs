using System.Reflection;
using System.Text.RegularExpressions;
using Finance.Functions.Access;
using Finance.Functions.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Azure.Functions.Worker;

namespace Finance.Functions.Catalog;

/// <summary>An HTTP trigger as declared: route below the host's prefix, verbs (upper case) and authorization level.</summary>
/// <param name="Query">The query parameters the function reads (<see cref="QueryAttribute"/>).</param>
/// <param name="Body">The JSON body it reads, if any (<see cref="JsonRequestAttribute"/>).</param>
public sealed record HttpTriggerDeclaration(
    string Route, IReadOnlyList<string> Methods, AuthorizationLevel AuthLevel, IReadOnlyList<string> RouteParameters,
    IReadOnlyList<string> Query, JsonRequestAttribute? Body, CsvRequestAttribute? Csv = null);

/// <summary>A timer trigger as declared: an NCRONTAB schedule or <c>%Setting%</c>, and whether it runs at start-up.</summary>
public sealed record TimerTriggerDeclaration(string Schedule, bool RunOnStartup);

/// <summary>One <c>[Function]</c> method with its trigger and (for HTTP) its access rule.</summary>
public sealed record DeclaredFunction(string Name, MethodInfo Method, HttpTriggerDeclaration? Http, TimerTriggerDeclaration? Timer, AccessRule? Access)
{
    /// <summary>"GET /api/pools/{poolId}" for HTTP functions, "timer" otherwise.</summary>
    public string Request => Http is { } http ? $"{string.Join(",", http.Methods)} /{FunctionCatalog.RoutePrefix}/{http.Route}" : "timer";
}

/// <summary>
/// Every function the app declares, read from its <c>[Function]</c> methods: the same declarations the Worker SDK turns
/// into functions.metadata. The access middleware finds a function's rule here; the README's access table and the access
/// matrix test are generated from it; <see cref="Check"/> refuses, at start-up, a rule that contradicts its function.
/// </summary>
public sealed partial class FunctionCatalog
{
    /// <summary>host.json's <c>extensions.http.routePrefix</c>, which both the host and the worker read.</summary>
    public const string RoutePrefix = "api";

    private readonly Dictionary<string, DeclaredFunction> byName;

    private FunctionCatalog(IReadOnlyList<DeclaredFunction> functions)
    {
        Functions = functions;
        byName = functions.ToDictionary(f => f.Name, StringComparer.Ordinal);
    }

    /// <summary>Ordered by name.</summary>
    public IReadOnlyList<DeclaredFunction> Functions { get; }

    /// <summary>The app's own functions (this assembly).</summary>
    public static FunctionCatalog App { get; } = Of(typeof(FunctionCatalog).Assembly);

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{0,63}$")]
    private static partial Regex FunctionName();

    public DeclaredFunction? Find(string name) => byName.GetValueOrDefault(name);

    public static FunctionCatalog Of(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return Of(assembly.GetTypes());
    }

    /// <summary>The functions declared by these types only (tests check declarations one class at a time).</summary>
    public static FunctionCatalog Of(IEnumerable<Type> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        var functions = new List<DeclaredFunction>();
        var methods = types.SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly));
        foreach (var method in methods)
        {
            if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
            {
                continue;
            }
            var http = method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).OfType<HttpTriggerAttribute>().SingleOrDefault();
            var timer = method.GetParameters().Select(p => p.GetCustomAttribute<TimerTriggerAttribute>()).OfType<TimerTriggerAttribute>().SingleOrDefault();
            var route = http?.Route ?? function.Name;
            functions.Add(new DeclaredFunction(
                function.Name,
                method,
                http is null ? null : new HttpTriggerDeclaration(
                    route, (http.Methods ?? []).Select(m => m.ToUpperInvariant()).ToList(), http.AuthLevel,
                    RoutePatternFactory.Parse(route).Parameters.Select(p => p.Name).ToList(),
                    method.GetCustomAttribute<QueryAttribute>()?.Names ?? [], method.GetCustomAttribute<JsonRequestAttribute>(),
                    method.GetCustomAttribute<CsvRequestAttribute>()),
                timer is null ? null : new TimerTriggerDeclaration(timer.Schedule, timer.RunOnStartup),
                method.GetCustomAttribute<AccessAttribute>()?.AccessRule));
        }
        return new FunctionCatalog(functions.OrderBy(f => f.Name, StringComparer.Ordinal).ToList());
    }

    /// <summary>Refuses declarations that contradict themselves; every problem at once, so start-up names them all.</summary>
    public FunctionCatalog Check()
    {
        var problems = new List<string>();
        foreach (var duplicate in Functions.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            problems.Add($"Function name '{duplicate.Key}' is declared {duplicate.Count()} times.");
        }
        foreach (var function in Functions)
        {
            try
            {
                CheckOne(function);
            }
            catch (InvalidOperationException e)
            {
                problems.Add(e.Message);
            }
        }
        return problems.Count == 0 ? this : throw new InvalidOperationException("The functions' declarations contradict themselves:\n" + string.Join("\n", problems));
    }

    private static void CheckOne(DeclaredFunction function)
    {
        // Function names become URL paths (admin invocation) and folder names in tools: keep them plain.
        if (!FunctionName().IsMatch(function.Name))
        {
            throw new InvalidOperationException($"Function name '{function.Name}' must be letters and digits, starting with a letter.");
        }
        if ((function.Http is null) == (function.Timer is null))
        {
            throw new InvalidOperationException($"{function.Name} must have exactly one trigger: HTTP or timer.");
        }
        if (function.Timer is not null)
        {
            if (function.Access is not null)
            {
                throw new InvalidOperationException($"{function.Name} is a timer: only the host invokes it, so it takes no access rule.");
            }
            return;
        }
        var http = function.Http!;
        if (function.Access is not { } access)
        {
            throw new InvalidOperationException($"{function.Name} is an HTTP function without an [Access] rule.");
        }
        if (http.Methods.Count != 1)
        {
            throw new InvalidOperationException($"{function.Name} must answer exactly one HTTP verb (one function, one rule).");
        }
        if (http.AuthLevel is not (AuthorizationLevel.Anonymous or AuthorizationLevel.Function))
        {
            throw new InvalidOperationException($"{function.Name}: HTTP functions are anonymous (health) or need a function key.");
        }
        if (http.RouteParameters.FirstOrDefault(p => !RouteParameters.IsKnown(p)) is { } unknown)
        {
            throw new InvalidOperationException(
                $"{function.Name}: route parameter '{unknown}' has no rule in {nameof(RouteParameters)}; add the shape its values must have.");
        }
        if (http.Body is not null && http.Methods[0] is "GET" or "DELETE")
        {
            throw new InvalidOperationException($"{function.Name} answers {http.Methods[0]}, which carries no body, but declares a JSON body.");
        }
        if (http.Csv is not null && (http.Body is not null || http.Methods[0] is "GET" or "DELETE"))
        {
            throw new InvalidOperationException($"{function.Name} declares a CSV body, so it answers POST or PUT and declares no JSON body.");
        }
        if (http.Query.FirstOrDefault(q => string.Equals(q, Http.RequestShape.FunctionKeyParameter, StringComparison.OrdinalIgnoreCase)
                || http.RouteParameters.Contains(q, StringComparer.OrdinalIgnoreCase)) is { } clash)
        {
            throw new InvalidOperationException($"{function.Name}: query parameter '{clash}' is the function key's or a route parameter's name.");
        }
        access.Check(function.Name, http.Methods[0], http.RouteParameters, http.AuthLevel == AuthorizationLevel.Anonymous);
    }
}
