using System.Text;
using Finance.Domain.Principals;
using Finance.Functions.Hosting;

namespace Finance.Functions.Access;

/// <summary>The README's table of every function and who may call it, written from the functions' own access rules (a
/// test keeps the README's copy equal to this).</summary>
public static class AccessTable
{
    public static string Markdown(IEnumerable<(FunctionMetadata Function, RouteEndpoint Endpoint)> functions)
    {
        ArgumentNullException.ThrowIfNull(functions);
        var text = new StringBuilder();
        text.Append("| function | request | key | ").AppendJoin(" | ", Roles.All).AppendLine(" |");
        text.Append("|---|---|---|").AppendJoin("", Roles.All.Select(_ => "---|")).AppendLine();
        foreach (var (function, endpoint) in functions)
        {
            switch (function.Trigger)
            {
                case HttpFunctionTrigger http:
                    var rule = endpoint.Metadata.GetMetadata<AccessRule>();
                    text.Append(CultureInvariant($"| {function.Name} | `{string.Join(",", http.Methods)} /{FunctionMetadata.RoutePrefix}/{http.Route}` | "))
                        .Append(http.AuthLevel == AuthLevel.Anonymous ? "no" : "yes").Append(" | ")
                        .AppendJoin(" | ", Roles.All.Select(role => rule?.Describe(role) ?? "no rule: refused"))
                        .AppendLine(" |");
                    break;
                case TimerFunctionTrigger:
                    text.Append(CultureInvariant($"| {function.Name} | timer: `POST /{function.Name}` | no | "))
                        .AppendJoin(" | ", Roles.All.Select(_ => "host only"))
                        .AppendLine(" |");
                    break;
            }
        }
        return text.ToString();
    }

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);
}
