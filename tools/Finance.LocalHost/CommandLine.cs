using System.Globalization;
using Finance.LocalHost.Settings;

namespace Finance.LocalHost;

/// <summary>The console program's options. Everything not given falls back to local.settings.json, then to defaults.</summary>
internal sealed record CommandLine(
    string Verb,
    LocalHostOptions Options,
    int MeasureRuns,
    int MeasureRequests)
{
    public const string Usage = """
        Finance.LocalHost: a LOCAL stand-in for the Azure Functions host, for one .NET isolated-worker app.
        In Azure the real Functions host runs the same worker build; this is for local runs, tests and benchmarks.

        Usage:
          dotnet Finance.LocalHost.dll --app <dir> [options]
          dotnet Finance.LocalHost.dll measure --app <dir> [--runs 5] [--requests 2000] [options]

        Options:
          --app <dir>                The app's build or publish output (holds worker.config.json, functions.metadata).
          --port <n>                 Front-door port on 127.0.0.1; 0 = any free port
                                     (default: local.settings.json Host.LocalHttpPort, else 7071).
          --settings <file>          A local.settings.json: its Values become app settings (the worker's environment).
          --setting NAME=VALUE       One more app setting (repeatable; wins over --settings).
          --function-key <key>       A key accepted for authLevel function (repeatable).
          --master-key <key>         The master key (authLevel admin, /admin endpoints). Default: made up and printed.
                                     Keys may also come from the settings LocalHost__FunctionKeys (comma-separated)
                                     and LocalHost__MasterKey.
          --no-timers                Do not fire timers on their schedules (POST /admin/functions/{name} still runs them).
          --no-restart               Do not restart the worker when it exits unexpectedly.
          --invocation-timeout <s>   Longest invocation, in seconds (default: host.json functionTimeout, else 300).
          --help                     This text.

        Admin endpoints (master key in x-functions-key or ?code=):
          GET  /admin/host/status            Host and worker state (worker process id, starts, last exit code).
          POST /admin/functions/{name}       Run a timer now: body {"input": ""}; {"input": "{\"IsPastDue\":true}"} sends a late run.
        """;

    /// <summary>Parses the arguments; throws ArgumentException with a message for the user when they are wrong.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var verb = args.Count > 0 && args[0] == "measure" ? "measure" : "run";
        string? app = null, settingsFile = null, masterKey = null;
        int? port = null, invocationTimeout = null;
        int runs = 5, requests = 2_000;
        var timers = true;
        var restart = true;
        var functionKeys = new List<string>();
        var extraSettings = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = verb == "measure" ? 1 : 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Number() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? n : throw new ArgumentException($"{args[i - 1]} needs a whole number.");
            switch (args[i])
            {
                case "--help" or "-h":
                    return new CommandLine("help", new LocalHostOptions { AppDirectory = "." }, runs, requests);
                case "--app": app = Value(); break;
                case "--port": port = Number(); break;
                case "--settings": settingsFile = Value(); break;
                case "--setting":
                    var pair = Value();
                    var equals = pair.IndexOf('=', StringComparison.Ordinal);
                    if (equals <= 0)
                    {
                        throw new ArgumentException($"--setting needs NAME=VALUE, not '{pair}'.");
                    }
                    extraSettings[pair[..equals]] = pair[(equals + 1)..];
                    break;
                case "--function-key": functionKeys.Add(Value()); break;
                case "--master-key": masterKey = Value(); break;
                case "--no-timers": timers = false; break;
                case "--no-restart": restart = false; break;
                case "--invocation-timeout": invocationTimeout = Number(); break;
                case "--runs" when verb == "measure": runs = Math.Clamp(Number(), 1, 50); break;
                case "--requests" when verb == "measure": requests = Math.Clamp(Number(), 10, 100_000); break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }
        if (app is null)
        {
            throw new ArgumentException("--app <dir> is required.");
        }

        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        int? settingsPort = null;
        if (settingsFile is not null)
        {
            var file = LocalSettingsFile.Read(settingsFile);
            foreach (var (name, value) in file.Values)
            {
                settings[name] = value;
            }
            settingsPort = file.LocalHttpPort;
        }
        foreach (var (name, value) in extraSettings)
        {
            settings[name] = value;
        }

        var options = new LocalHostOptions
        {
            AppDirectory = app,
            Port = port ?? settingsPort ?? (verb == "measure" ? 0 : 7071),
            AppSettings = settings,
            FunctionKeys = functionKeys,
            MasterKey = masterKey,
            RunTimersOnSchedule = timers && verb != "measure",
            RestartWorkerOnExit = restart,
            InvocationTimeoutSeconds = invocationTimeout,
            Console = verb == "measure" ? null : Console.Out,
        };
        return new CommandLine(verb, options, runs, requests);
    }
}
