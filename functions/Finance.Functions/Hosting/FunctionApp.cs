using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Finance.Functions.Access;
using Finance.Functions.Closes;
using Finance.Functions.Configuration;
using Finance.Functions.Health;
using Finance.Functions.Heartbeat;
using Finance.Functions.Imports;
using Finance.Functions.Memberships;
using Finance.Functions.Pools;
using Finance.Functions.Postings;
using Finance.Functions.Setup;
using Finance.Functions.Statements;
using Finance.Storage;
using Microsoft.AspNetCore.Http.Json;
using NodaTime;
using NodaTime.Serialization.SystemTextJson;

namespace Finance.Functions.Hosting;

/// <summary>The composition root: one ASP.NET Core app serving every function, used by Program and by the tests.</summary>
public static class FunctionApp
{
    /// <summary>Port used when neither the host nor the run command sets one.</summary>
    public const int DefaultPort = 7071;

    /// <summary>The largest request body Kestrel lets through (413 beyond it). JSON functions accept far less
    /// (<see cref="JsonBody.DefaultMaxBytes"/>); this bounds anything that reads a body some other way.</summary>
    public const long MaxRequestBodyBytes = 8 * 1024 * 1024;

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // The content root is the handler's own folder, so its appsettings.json applies whatever the working directory
        // (the host starts it from handler/; the run command and tests from the checkout).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddEnvironmentVariables();

        // The Functions host tells the handler its port; only the host (on the same machine) talks to it.
        var port = builder.Configuration.GetValue(AppSettings.HandlerPort.Key, DefaultPort);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port);
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
        });

        builder.Services.ConfigureHttpJsonOptions(options => Configure(options.SerializerOptions));
        builder.Services.AddSingleton(sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<JsonOptions>>().Value.SerializerOptions);
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<IClock>(SystemClock.Instance);
        builder.Services.AddFinanceStorage(builder.Configuration);
        builder.Services.AddSingleton<CallerResolver>();
        builder.Services.AddSingleton<PostingService>();
        builder.Services.AddSingleton<ImportRunner>();
        builder.Services.AddSingleton<LedgerViews>();
        builder.Services.AddSingleton<CloseService>();
        builder.Services.AddSingleton<ImportWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ImportWorker>());
        builder.Services.AddHostedService<LocalTimerScheduler>();
        builder.Services.AddTokenValidation();
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Pooled budget ledger";
            document.Info.Description = "Section 75 pooled budgets: set-up, posting, CSV import, statements and positions. Amounts are pence (integers) and formatted pounds.";
            return Task.CompletedTask;
        }));
        builder.Services.AddPerPrincipalRateLimiting();

        configure?.Invoke(builder);

        var app = builder.Build();
        // Unhandled failures answer 500 problem+json with no detail: no stack traces or storage errors leave the app.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode
                : StorageFailures.IsUnreachable(e) ? StatusCodes.Status503ServiceUnavailable
                : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        // Authentication first, so the rate limiter can partition by principal; then each function's access rule.
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseMiddleware<AccessMiddleware>();

        app.MapHealthApi();
        app.MapCallerApi();
        app.MapPoolsApi();
        app.MapOrganisationsApi();
        app.MapSetupApi();
        app.MapPostingsApi();
        app.MapImportsApi();
        app.MapStatementsApi();
        app.MapClosesApi();
        app.MapMonthEnd();
        app.MapControlTotalsApi();
        app.MapMembershipsApi();
        app.MapHeartbeat();
        // The API described by its own endpoints (routes, parameters, bodies, response types), for any caller with a token.
        app.MapOpenApi($"/{FunctionMetadata.RoutePrefix}/openapi.json")
            .AsHttpFunction("GetOpenApi", "GET", "openapi.json", AuthLevel.Function, AccessRule.AnyCaller);
        return app;
    }

    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.ConfigureForNodaTime(DateTimeZoneProviders.Tzdb);
    }
}
