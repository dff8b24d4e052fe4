using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Constraints;

namespace Finance.LocalHost.Http;

internal sealed record RouteMatch(HostedFunction Function, RouteValueDictionary Values);

/// <summary>
/// The HTTP functions' routes as the real host builds them (WebScriptHostHttpRoutesManager, WebJobsRouteBuilder):
/// one ASP.NET Core Route per function, its template the route prefix plus the function's route, its methods an
/// HttpMethodRouteConstraint, all in one RouteCollection where the first match wins. So constraints ({id:int}),
/// optional ({id?}) and catch-all ({*path}) parameters mean what they mean in ASP.NET Core, and a wrong method is no
/// match (404, as in Azure). The real host adds the routes in function-name order without ASP.NET Core's precedence,
/// so items/{id} declared by "GetItem" shadows items/recent declared by "Recent": the same order is kept here, and a
/// literal route shadowed that way is reported at start-up.
/// </summary>
internal sealed class RouteTable
{
    private readonly List<(HostedFunction Function, Route Route)> routes;

    private RouteTable(List<(HostedFunction, Route)> routes) => this.routes = routes;

    public static RouteTable Build(
        IEnumerable<HostedFunction> functions, IInlineConstraintResolver constraints, IServiceProvider services, Action<string> warn)
    {
        var routes = new List<(HostedFunction, Route)>();
        var http = functions.Where(f => f.Trigger == FunctionTriggerKind.Http).OrderBy(f => f.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var function in http)
        {
            var routeConstraints = new Dictionary<string, object>();
            if (function.Methods is not null)
            {
                routeConstraints.Add("httpMethod", new HttpMethodRouteConstraint([.. function.Methods]));
            }
            try
            {
                var route = new Route(MatchOnly.Instance, function.Name, function.Route, null, routeConstraints, null, constraints);
                routes.Add((function, route));
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                warn($"Function {function.Name}: route '{function.Route}' is not a valid route template ({e.Message}); it is not served.");
            }
        }
        var table = new RouteTable(routes);
        table.ReportShadowedRoutes(services, warn);
        return table;
    }

    public async Task<RouteMatch?> MatchAsync(HttpContext context)
    {
        foreach (var (function, route) in routes)
        {
            var routeContext = new RouteContext(context);
            await route.RouteAsync(routeContext);
            if (routeContext.Handler is not null)
            {
                return new RouteMatch(function, routeContext.RouteData.Values);
            }
        }
        return null;
    }

    public IEnumerable<string> Describe() => routes.Select(r =>
    {
        var methods = r.Function.Methods is null ? "all" : string.Join(',', r.Function.Methods);
        return $"{r.Function.Name}: [{methods}] /{r.Function.Route} ({r.Function.AuthLevel})";
    });

    private void ReportShadowedRoutes(IServiceProvider services, Action<string> warn)
    {
        for (var later = 0; later < routes.Count; later++)
        {
            var (function, route) = routes[later];
            if (route.ParsedTemplate.Parameters.Count > 0)
            {
                continue;
            }
            foreach (var method in function.Methods ?? ["GET"])
            {
                var probe = new DefaultHttpContext { RequestServices = services };
                probe.Request.Method = method;
                probe.Request.Path = "/" + function.Route;
                for (var earlier = 0; earlier < later; earlier++)
                {
                    var routeContext = new RouteContext(probe);
                    routes[earlier].Route.RouteAsync(routeContext).GetAwaiter().GetResult();
                    if (routeContext.Handler is not null)
                    {
                        warn($"{method} /{function.Route} reaches {routes[earlier].Function.Name}, not {function.Name}: "
                            + "the host tries routes in function-name order, as Azure does.");
                        break;
                    }
                }
            }
        }
    }

    /// <summary>The route's target: it only marks the request as matched.</summary>
    private sealed class MatchOnly : IRouter
    {
        public static readonly MatchOnly Instance = new();

        public VirtualPathData? GetVirtualPath(VirtualPathContext context) => null;

        public Task RouteAsync(RouteContext context)
        {
            context.Handler = static _ => Task.CompletedTask;
            return Task.CompletedTask;
        }
    }
}
