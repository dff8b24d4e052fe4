using System.Text;
using Finance.Domain.Principals;
using Finance.Functions.Catalog;
using Microsoft.Azure.Functions.Worker;

namespace Finance.Functions.Access;

/// <summary>The README's table of every function and who may call it, written from the functions' own declarations (a
/// test keeps the README's copy equal to this).</summary>
public static class AccessTable
{
    public static string Markdown(FunctionCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var text = new StringBuilder();
        text.Append("| function | request | key | ").AppendJoin(" | ", Roles.All).AppendLine(" |");
        text.Append("|---|---|---|").AppendJoin("", Roles.All.Select(_ => "---|")).AppendLine();
        foreach (var function in catalog.Functions)
        {
            if (function.Http is { } http)
            {
                text.Append(CultureInvariant($"| {function.Name} | `{function.Request}` | "))
                    .Append(http.AuthLevel == AuthorizationLevel.Anonymous ? "no" : "yes").Append(" | ")
                    .AppendJoin(" | ", Roles.All.Select(role => function.Access?.Describe(role) ?? "no rule: refused"))
                    .AppendLine(" |");
            }
            else
            {
                text.Append(CultureInvariant($"| {function.Name} | timer: `{function.Timer!.Schedule}` | no | "))
                    .AppendJoin(" | ", Roles.All.Select(_ => "host only"))
                    .AppendLine(" |");
            }
        }
        return text.ToString();
    }

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);
}
