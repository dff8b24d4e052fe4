using Finance.LocalHost.Logging;
using Finance.LocalHost.Worker;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Finance.LocalHost.Http;

/// <summary>The route table for the functions the worker declared; rebuilt only when a restarted worker declares others.</summary>
internal sealed class RouteCache(WorkerSupervisor supervisor, IServiceProvider services, HostLog log)
{
    private readonly Lock gate = new();
    private FunctionCatalog? builtFor;
    private RouteTable? table;

    public RouteTable? Current()
    {
        var catalog = supervisor.Catalog;
        lock (gate)
        {
            if (catalog is not null && !ReferenceEquals(catalog, builtFor))
            {
                if (builtFor is null || !SameFunctions(builtFor, catalog))
                {
                    table = RouteTable.Build(catalog.Functions, services.GetRequiredService<IInlineConstraintResolver>(), services,
                        warning => log.Host(LogLevel.Warning, warning));
                    foreach (var line in table.Describe())
                    {
                        log.Host(LogLevel.Information, "Mapped " + line);
                    }
                }
                builtFor = catalog;
            }
            return table;
        }
    }

    /// <summary>Function ids may differ between worker runs; routes depend only on the rest.</summary>
    private static bool SameFunctions(FunctionCatalog before, FunctionCatalog after) =>
        before.Functions.Count == after.Functions.Count
        && before.Functions.Zip(after.Functions).All(pair => pair.First with { FunctionId = "" } == pair.Second with { FunctionId = "" });
}
