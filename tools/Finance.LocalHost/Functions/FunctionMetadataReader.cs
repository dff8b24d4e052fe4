using System.Text.Json;
using Finance.LocalHost.Rpc;
using Finance.LocalHost.Settings;
using Finance.LocalHost.Timers;

namespace Finance.LocalHost.Functions;

/// <summary>A function the worker declared, and the load request the host sends for it.</summary>
internal sealed record DeclaredFunction(HostedFunction Function, FunctionLoadRequest LoadRequest);

/// <summary>
/// Reads the worker's FunctionMetadataResponse. The useful declaration is in raw_bindings (one JSON object per binding,
/// as the SDK wrote functions.metadata); the load request is built from it as the real host's GetFunctionLoadRequest
/// does: name, script file, entry point and each binding's type and direction.
/// </summary>
internal static class FunctionMetadataReader
{
    public static IReadOnlyList<DeclaredFunction> Read(
        FunctionMetadataResponse response, string routePrefix, AppSettingNames settings, Action<string> warn)
    {
        var declared = new List<DeclaredFunction>();
        foreach (var metadata in response.FunctionMetadataResults)
        {
            var bindings = metadata.RawBindings.Select(ParseBinding).ToList();
            var load = new FunctionLoadRequest
            {
                FunctionId = metadata.FunctionId,
                Metadata = new RpcFunctionMetadata
                {
                    Name = metadata.Name,
                    Directory = metadata.Directory,
                    ScriptFile = metadata.ScriptFile,
                    EntryPoint = metadata.EntryPoint,
                    IsProxy = false,
                },
            };
            load.Metadata.Properties.Add(metadata.Properties);
            foreach (var binding in bindings)
            {
                load.Metadata.Bindings[binding.Name] = binding.ToBindingInfo();
            }

            var trigger = bindings.FirstOrDefault(b => b.Direction == BindingInfo.Types.Direction.In
                && b.Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase));
            if (trigger is null)
            {
                warn($"Function {metadata.Name} declares no trigger; it is loaded but never invoked.");
                trigger = new RawBinding("", "none", BindingInfo.Types.Direction.In, default);
            }
            declared.Add(new DeclaredFunction(Describe(metadata, trigger, routePrefix, settings, warn), load));
        }
        return declared;
    }

    private static HostedFunction Describe(
        RpcFunctionMetadata metadata, RawBinding trigger, string routePrefix, AppSettingNames settings, Action<string> warn)
    {
        var function = new HostedFunction
        {
            Name = metadata.Name,
            FunctionId = metadata.FunctionId,
            Trigger = FunctionTriggerKind.Other,
            TriggerType = trigger.Type,
            TriggerBindingName = trigger.Name,
            EntryPoint = metadata.EntryPoint,
            ScriptFile = metadata.ScriptFile,
        };
        var json = trigger.Json;
        if (trigger.Type.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase))
        {
            var route = String(json, "route");
            route = string.IsNullOrWhiteSpace(route) ? metadata.Name : route.Trim('/');
            return function with
            {
                Trigger = FunctionTriggerKind.Http,
                Route = routePrefix.Length == 0 ? route : routePrefix + "/" + route,
                Methods = Methods(json),
                AuthLevel = AuthLevel(String(json, "authLevel"), metadata.Name, warn),
            };
        }
        if (trigger.Type.Equals("timerTrigger", StringComparison.OrdinalIgnoreCase))
        {
            var declaredSchedule = String(json, "schedule") ?? "";
            var schedule = settings.ResolveWholeString(declaredSchedule);
            var useMonitor = Boolean(json, "useMonitor") ?? true;
            if (schedule is null)
            {
                warn($"Timer {metadata.Name}: a setting named in its schedule '{declaredSchedule}' is missing; it will not fire.");
            }
            else if (!TimerSchedule.TryParse(schedule, out var parsed))
            {
                warn($"Timer {metadata.Name}: '{schedule}' is neither an NCRONTAB expression nor an interval; it will not fire.");
                schedule = null;
            }
            else if (useMonitor && parsed.FiresMoreThanOncePerMinute(DateTime.UtcNow))
            {
                // As the real host: a schedule that fires more than once a minute keeps no status.
                useMonitor = false;
            }
            return function with
            {
                Trigger = FunctionTriggerKind.Timer,
                DeclaredSchedule = declaredSchedule,
                Schedule = schedule,
                RunOnStartup = Boolean(json, "runOnStartup") ?? false,
                UseMonitor = useMonitor,
                AuthLevel = FunctionAuthLevel.Admin,
            };
        }
        return function;
    }

    private static FunctionAuthLevel AuthLevel(string? declared, string functionName, Action<string> warn)
    {
        if (declared is null)
        {
            return FunctionAuthLevel.Function;
        }
        if (Enum.TryParse<FunctionAuthLevel>(declared, ignoreCase: true, out var level) && Enum.IsDefined(level))
        {
            return level;
        }
        warn($"Function {functionName}: unknown authLevel '{declared}'; treating it as admin.");
        return FunctionAuthLevel.Admin;
    }

    private static List<string>? Methods(JsonElement json) =>
        json.TryGetProperty("methods", out var methods) && methods.ValueKind == JsonValueKind.Array
            ? methods.EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()).ToList()
            : null;

    private static string? String(JsonElement json, string name) =>
        Property(json, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    private static bool? Boolean(JsonElement json, string name) => Property(json, name) switch
    {
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        { ValueKind: JsonValueKind.String } text when bool.TryParse(text.GetString(), out var parsed) => parsed,
        _ => null,
    };

    /// <summary>Binding JSON is written by tools of several ages; its property names are read case-insensitively.</summary>
    private static JsonElement? Property(JsonElement json, string name)
    {
        foreach (var property in json.EnumerateObject())
        {
            if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }
        return null;
    }

    private static RawBinding ParseBinding(string rawJson)
    {
        using var document = JsonDocument.Parse(rawJson);
        var json = document.RootElement.Clone();
        var direction = String(json, "direction")?.ToUpperInvariant() switch
        {
            "OUT" => BindingInfo.Types.Direction.Out,
            "INOUT" => BindingInfo.Types.Direction.Inout,
            _ => BindingInfo.Types.Direction.In,
        };
        return new RawBinding(String(json, "name") ?? "", String(json, "type") ?? "", direction, json);
    }

    private sealed record RawBinding(string Name, string Type, BindingInfo.Types.Direction Direction, JsonElement Json)
    {
        public BindingInfo ToBindingInfo()
        {
            var info = new BindingInfo { Type = Type, Direction = Direction };
            var dataType = Json.ValueKind == JsonValueKind.Object ? String(Json, "dataType") : null;
            if (dataType is not null && Enum.TryParse<BindingInfo.Types.DataType>(dataType, ignoreCase: true, out var parsed))
            {
                info.DataType = parsed;
            }
            return info;
        }
    }
}
