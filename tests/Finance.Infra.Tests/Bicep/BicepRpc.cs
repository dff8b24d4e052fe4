using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Finance.Infra.Tests.Bicep;

/// <summary>A compile through the CLI's JSON-RPC server: success, the compiler's messages, and the ARM JSON written.</summary>
/// <param name="Template">The compiled ARM template (<c>bicep build</c>'s output); null when the compile failed.</param>
/// <param name="Parameters">For a <c>.bicepparam</c>: the compiled parameter file (<c>bicep build-params</c>'s output).</param>
public sealed record RpcCompilation(bool Success, IReadOnlyList<BicepDiagnostic> Diagnostics, string? Template, string? Parameters);

/// <summary>
/// One long-lived <c>bicep jsonrpc --stdio</c> (the CLI's documented programmatic interface), for the many compiles the
/// rule tests make of the checkout and of broken copies: the CLI starts once, about a second, and then compiles
/// <c>main.bicep</c> with its modules in about a tenth of one. Messages are framed as in LSP
/// (<c>Content-Length</c> header); one request at a time.
/// </summary>
public sealed class BicepRpc : IDisposable
{
    // A compile of main.bicep takes well under a second once the server is warm; the first includes its start.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(90);

    private static readonly Lazy<BicepRpc> SharedServer = new(() => new BicepRpc());

    private readonly Process process;
    private readonly Stream input;
    private readonly Stream output;
    private readonly StringBuilder errors = new();
    private readonly Lock gate = new();
    private int nextId;

    private BicepRpc()
    {
        var start = new ProcessStartInfo(BicepCli.Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("jsonrpc");
        start.ArgumentList.Add("--stdio");
        process = Process.Start(start) ?? throw new InvalidOperationException("Could not start bicep jsonrpc.");
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                if (e.Data is not null && errors.Length < 16_000)
                {
                    errors.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        input = process.StandardInput.BaseStream;
        output = process.StandardOutput.BaseStream;
        // The test host ends without disposing statics: stop the server with it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Dispose();
    }

    /// <summary>The server shared by every test of the run.</summary>
    public static BicepRpc Shared => SharedServer.Value;

    /// <summary>Compiles a <c>.bicep</c> file (and the modules it uses) from disk.</summary>
    public RpcCompilation Compile(string bicepPath)
    {
        var result = Call("bicep/compile", new JsonObject { ["path"] = bicepPath });
        return new RpcCompilation(result["success"]?.GetValue<bool>() == true, Diagnostics(result), result["contents"]?.GetValue<string>(), null);
    }

    /// <summary>Compiles a <c>.bicepparam</c> file and the template its <c>using</c> names.</summary>
    public RpcCompilation CompileParams(string bicepparamPath)
    {
        var result = Call("bicep/compileParams", new JsonObject { ["path"] = bicepparamPath, ["parameterOverrides"] = new JsonObject() });
        return new RpcCompilation(
            result["success"]?.GetValue<bool>() == true, Diagnostics(result), result["template"]?.GetValue<string>(), result["parameters"]?.GetValue<string>());
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static List<BicepDiagnostic> Diagnostics(JsonObject result) => (result["diagnostics"] as JsonArray ?? [])
        .OfType<JsonObject>()
        .Select(d => new BicepDiagnostic(
            d["source"]?.GetValue<string>() ?? "",
            // The server counts lines and characters from 0; the CLI's messages from 1.
            (d["range"]?["start"]?["line"]?.GetValue<int>() ?? 0) + 1,
            (d["range"]?["start"]?["char"]?.GetValue<int>() ?? 0) + 1,
            d["level"]?.GetValue<string>() ?? "",
            d["code"]?.GetValue<string>() ?? "",
            d["message"]?.GetValue<string>() ?? ""))
        .ToList();

    private JsonObject Call(string method, JsonObject parameters)
    {
        lock (gate)
        {
            var id = ++nextId;
            var request = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters };
            var body = Encoding.UTF8.GetBytes(request.ToJsonString());
            var header = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
            input.Write(header);
            input.Write(body);
            input.Flush();

            var read = Task.Run(ReadMessage);
            if (!read.Wait(CallTimeout))
            {
                Dispose();
                throw new TimeoutException($"bicep jsonrpc did not answer {method} within {CallTimeout.TotalSeconds} s. {Errors()}");
            }
            var reply = JsonNode.Parse(read.Result) as JsonObject
                ?? throw new InvalidOperationException($"bicep jsonrpc answered {method} with something other than an object.");
            if (reply["id"]?.GetValue<int>() != id)
            {
                throw new InvalidOperationException($"bicep jsonrpc answered request {reply["id"]} when {id} was asked.");
            }
            if (reply["error"] is JsonObject error)
            {
                throw new InvalidOperationException($"bicep jsonrpc refused {method}: {error["message"]} {error["data"]?["message"]}");
            }
            return reply["result"] as JsonObject ?? throw new InvalidOperationException($"bicep jsonrpc answered {method} without a result.");
        }
    }

    private string ReadMessage()
    {
        var length = -1;
        while (true)
        {
            var line = ReadHeaderLine();
            if (line.Length == 0)
            {
                break;
            }
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                length = int.Parse(line["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }
        if (length < 0)
        {
            throw new InvalidOperationException($"bicep jsonrpc sent a message without Content-Length. {Errors()}");
        }
        var buffer = new byte[length];
        output.ReadExactly(buffer);
        return Encoding.UTF8.GetString(buffer);
    }

    private string ReadHeaderLine()
    {
        var line = new StringBuilder();
        while (true)
        {
            var b = output.ReadByte();
            if (b < 0)
            {
                throw new InvalidOperationException($"bicep jsonrpc stopped. {Errors()}");
            }
            if (b == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }
            line.Append((char)b);
        }
    }

    private string Errors()
    {
        lock (errors)
        {
            return errors.ToString();
        }
    }

    internal static JsonObject ParseObject(string json) =>
        JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 256 }) as JsonObject
        ?? throw new InvalidOperationException("The compiler wrote something other than a JSON object.");
}
