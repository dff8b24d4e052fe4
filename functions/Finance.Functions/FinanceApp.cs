using System.Text.Json;
using System.Text.Json.Serialization;
using Finance.Functions.Access;
using Finance.Functions.Catalog;
using Finance.Functions.Closes;
using Finance.Functions.Imports;
using Finance.Functions.Postings;
using Finance.Functions.Statements;
using Finance.Storage;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Options;
using NodaTime;
using NodaTime.Serialization.SystemTextJson;

namespace Finance.Functions;

/// <summary>The composition root: everything the function app needs, registered once.</summary>
public static class FinanceApp
{
    /// <summary>The largest request body a function reads (the CSV upload; JSON functions accept far less,
    /// <see cref="Http.JsonBody.DefaultMaxBytes"/>). Beyond it the function answers 413 problem+json itself.</summary>
    public const long MaxRequestBodyBytes = 8 * 1024 * 1024;

    /// <summary>
    /// Kestrel's limit in the worker: the Functions host's own (100 MiB), not <see cref="MaxRequestBodyBytes"/>. The host
    /// forwards a body as it arrives; when a function refuses one unread, Kestrel drains the rest so the host can pass the
    /// 413 on. Were Kestrel's limit lower, it would drop the connection mid-body and the caller would see the host's 502.
    /// </summary>
    public const long WorkerKestrelMaxRequestBodyBytes = 100 * 1024 * 1024;

    public static FunctionsApplicationBuilder AddFinance(this FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddProblemDetails();
        services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = WorkerKestrelMaxRequestBodyBytes);
        services.AddSingleton<IClock>(SystemClock.Instance);
        services.AddFinanceStorage(builder.Configuration);
        services.AddSingleton(FunctionCatalog.App);
        services.AddSingleton<CallerResolver>();
        services.AddSingleton<RequestRateLimiter>();
        services.AddTokenValidation();
        services.AddFinanceServices();
        services.AddHostedService(sp => sp.GetRequiredService<ImportWorker>());
        // Only HTTP functions have an HTTP edge; timers are invoked by the host alone.
        builder.UseWhen<HttpFunctionMiddleware>(context =>
            context.FunctionDefinition.InputBindings.Values.Any(b => string.Equals(b.Type, "httpTrigger", StringComparison.OrdinalIgnoreCase)));
        return builder;
    }

    /// <summary>The HTTP-free services the functions call, one per area.</summary>
    public static IServiceCollection AddFinanceServices(this IServiceCollection services)
    {
        // One set of JSON rules for bodies, answers and stored idempotent responses.
        services.ConfigureHttpJsonOptions(options => ConfigureJson(options.SerializerOptions));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions);
        services.AddSingleton<Health.HealthService>();
        services.AddSingleton<Memberships.MembershipService>();
        services.AddSingleton<Setup.OrganisationService>();
        services.AddSingleton<Pools.PoolService>();
        services.AddSingleton<Setup.SetupService>();
        services.AddSingleton<PostingService>();
        services.AddSingleton<ListingTokens>();
        services.AddSingleton<ImportRunner>();
        services.AddSingleton<ImportWorker>();
        services.AddSingleton<ImportService>();
        services.AddSingleton<LedgerViews>();
        services.AddSingleton<StatementService>();
        services.AddSingleton<RenderedStatements>();
        services.AddSingleton<CloseService>();
        services.AddSingleton<ControlTotalService>();
        services.AddSingleton<MonthEndService>();
        return services;
    }

    /// <summary>
    /// Reads every setting the app needs and checks the functions' declarations, so that a missing or malformed setting
    /// (or the development issuer outside Development, or a rule that contradicts its function) stops the app at
    /// start-up with a clear message instead of failing every request. Nothing is sent to storage or to the issuer.
    /// </summary>
    public static void CheckConfiguration(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.GetRequiredService<FunctionCatalog>().Check();
        services.GetRequiredService<LedgerStorage>();
        // The token settings' rules, without building the token handler (the first request that needs it does).
        TokenSettings.Read(services.GetRequiredService<IConfiguration>(), services.GetRequiredService<IHostEnvironment>());
        services.GetRequiredService<RequestRateLimiter>();
        MonthEndSchedule.FromConfiguration(services.GetRequiredService<IConfiguration>());
    }

    public static void ConfigureJson(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.ConfigureForNodaTime(DateTimeZoneProviders.Tzdb);
    }
}
