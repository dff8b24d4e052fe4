using System.Globalization;
using System.Text;

namespace Finance.Infra.Tests.Bicep;

/// <summary>A top-level declaration: <c>param</c>, <c>var</c>, <c>resource</c>, <c>module</c> or <c>output</c>.</summary>
/// <param name="Kind">The keyword: param, var, resource, module, output.</param>
/// <param name="Name">The declared (symbolic) name.</param>
/// <param name="Node">The declaration node.</param>
/// <param name="Decorators">The <c>@...</c> decorators written above it.</param>
public sealed record Declaration(string Kind, string Name, BicepNode Node, IReadOnlyList<BicepNode> Decorators)
{
    /// <summary>A resource's type without the API version (<c>Microsoft.Storage/storageAccounts</c>), or a module's path.</summary>
    public string? TypeOrPath
    {
        get
        {
            var literal = Node.Syntax.Skip(1).FirstOrDefault(c => c.Type == "string");
            var text = literal is null ? null : BicepFile.StringLiteral(literal);
            return Kind == "resource" && text is not null ? text.Split('@')[0] : text;
        }
    }

    /// <summary>A resource's API version (<c>2024-01-01</c>).</summary>
    public string? ApiVersion => Kind == "resource" && Node.Syntax.Skip(1).FirstOrDefault(c => c.Type == "string") is { } literal
        ? BicepFile.StringLiteral(literal)?.Split('@').ElementAtOrDefault(1)
        : null;

    /// <summary>A resource declared with <c>existing</c>: a reference, not something this deployment creates.</summary>
    public bool IsExisting => Node.HasToken("existing");

    /// <summary>The expression after <c>=</c> (for a param, its default value; null when it has none).</summary>
    public BicepNode? Value => Kind switch
    {
        "param" => Node.Syntax.Skip(2).FirstOrDefault(),
        "var" => Node.Syntax.Skip(1).FirstOrDefault(),
        "output" => Node.Syntax.Skip(2).FirstOrDefault(),
        _ => Node.Syntax.LastOrDefault(),
    };

    /// <summary>The body object of a resource or module, through <c>if (...)</c> and <c>[for ... : ...]</c>.</summary>
    public BicepNode? Body => Value switch
    {
        { Type: "object" } body => body,
        { Type: "for_statement" } loop => loop.ChildWithField("body") ?? loop.Syntax.LastOrDefault(c => c.Type == "object"),
        { Type: "if_statement" } condition => condition.Syntax.LastOrDefault(c => c.Type == "object"),
        _ => null,
    };

    /// <summary>The condition of <c>resource x '...' = if (condition) {...}</c>.</summary>
    public BicepNode? Condition => Value is { Type: "if_statement" } statement ? statement.Syntax.FirstOrDefault() : null;

    /// <summary>The loop variable of <c>[for item in items: {...}]</c>.</summary>
    public string? LoopVariable => Value is { Type: "for_statement" } loop ? loop.ChildWithField("initializer")?.Text : null;

    /// <summary>The collection of <c>[for item in items: {...}]</c>.</summary>
    public BicepNode? LoopCollection => Value is { Type: "for_statement" } loop
        ? loop.Syntax.FirstOrDefault(c => c.Field is null)
        : null;

    /// <summary>The argument of a decorator such as <c>@minValue(1)</c>.</summary>
    public BicepNode? DecoratorArgument(string decorator) => Decorators
        .Select(d => d.Syntax.FirstOrDefault(c => c.Type == "call_expression"))
        .Where(call => call?.ChildWithField("function")?.Text == decorator)
        .Select(call => call!.ChildWithField("arguments")?.Syntax.FirstOrDefault())
        .FirstOrDefault();

    public override string ToString() => $"{Kind} {Name} (line {Node.Line})";
}

/// <summary>
/// One parsed Bicep file with the helpers the rules need: declarations by kind, and a small evaluator that follows
/// variables, parameters' defaults, ternaries and <c>concat</c>/<c>union</c> to the literal values an expression can
/// take. What it cannot follow (a resource's runtime property, a function call) it leaves alone.
/// </summary>
public sealed class BicepFile
{
    // Variables referring to variables: deep enough for any real file, and a stop if something refers to itself.
    private const int MaxDepth = 32;

    private static readonly string[] DeclarationKinds = ["parameter_declaration", "variable_declaration", "resource_declaration", "module_declaration", "output_declaration"];

    public BicepFile(string path, BicepNode root)
    {
        Path = path;
        Root = root;
        Declarations = ReadDeclarations(root);
    }

    /// <summary>Path relative to the repository root, with forward slashes (<c>infra/modules/function-app.bicep</c>).</summary>
    public string Path { get; }

    public BicepNode Root { get; }

    public IReadOnlyList<Declaration> Declarations { get; }

    public IEnumerable<Declaration> Parameters => Declarations.Where(d => d.Kind == "param");

    public IEnumerable<Declaration> Variables => Declarations.Where(d => d.Kind == "var");

    public IEnumerable<Declaration> Resources => Declarations.Where(d => d.Kind == "resource");

    public IEnumerable<Declaration> Modules => Declarations.Where(d => d.Kind == "module");

    public IEnumerable<Declaration> Outputs => Declarations.Where(d => d.Kind == "output");

    public Declaration? Find(string kind, string name) => Declarations.FirstOrDefault(d => d.Kind == kind && d.Name == name);

    /// <summary>Resources this file creates (not <c>existing</c>) of a type such as <c>Microsoft.Web/sites</c>.</summary>
    public IEnumerable<Declaration> Created(string resourceType) =>
        Resources.Where(r => !r.IsExisting && string.Equals(r.TypeOrPath, resourceType, StringComparison.OrdinalIgnoreCase));

    /// <summary>The objects an expression can evaluate to: an object literal, or one reached through variables and ternaries.</summary>
    public IEnumerable<BicepNode> Objects(BicepNode? expression) => Objects(expression, 0);

    /// <summary>The values of a dotted property path (<c>properties.minimumTlsVersion</c>) in every object the expression can be.</summary>
    public IEnumerable<BicepNode> Values(BicepNode? expression, string path)
    {
        IEnumerable<BicepNode?> current = [expression];
        foreach (var segment in path.Split('.'))
        {
            current = current.SelectMany(e => Objects(e)).Select(o => PropertyValue(o, segment)).Where(v => v is not null).ToList();
        }
        return current.OfType<BicepNode>();
    }

    /// <summary>The values of a property path in a resource's or module's body.</summary>
    public IEnumerable<BicepNode> Values(Declaration declaration, string path) => Values(declaration.Body, path);

    /// <summary>The literal strings an expression can evaluate to (interpolated strings are not literals).</summary>
    public IEnumerable<string> Strings(BicepNode? expression) => Strings(expression, 0).Distinct(StringComparer.Ordinal);

    /// <summary>Like <see cref="Strings(BicepNode?)"/>, also collecting literal strings among a function call's arguments.</summary>
    public IEnumerable<string> StringsWithin(BicepNode? expression) => expression switch
    {
        null => [],
        { Type: "call_expression" } call =>
            (call.ChildWithField("arguments")?.Syntax ?? []).SelectMany(StringsWithin).Distinct(StringComparer.Ordinal),
        _ => Strings(expression),
    };

    /// <summary>The literal booleans an expression can evaluate to.</summary>
    public IEnumerable<bool> Booleans(BicepNode? expression) => Leaves(expression, 0)
        .Where(n => n.Type == "boolean")
        .Select(n => n.Text == "true");

    /// <summary>The smallest integer an expression can be: a literal, or a parameter's <c>@minValue</c>.</summary>
    public int? Minimum(BicepNode? expression)
    {
        if (expression is { Type: "identifier" } && Find("param", expression.Text!) is { } parameter)
        {
            return parameter.DecoratorArgument("minValue") is { Type: "number" } min
                ? int.Parse(min.Text!, CultureInfo.InvariantCulture)
                : null;
        }
        var numbers = Leaves(expression, 0).Where(n => n.Type == "number").Select(n => int.Parse(n.Text!, CultureInfo.InvariantCulture)).ToList();
        return numbers.Count == 0 ? null : numbers.Min();
    }

    /// <summary>The items an array expression can hold: through variables, ternaries, <c>concat</c> and <c>union</c>.</summary>
    public IEnumerable<BicepNode> ArrayItems(BicepNode? expression) => ArrayItems(expression, 0);

    /// <summary>The names a resource declaration gives, following a <c>[for x in list: { name: x }]</c> loop.</summary>
    public IEnumerable<string> ResourceNames(Declaration resource)
    {
        var nameExpressions = Values(resource, "name").ToList();
        foreach (var name in nameExpressions)
        {
            if (name.Type == "identifier" && name.Text == resource.LoopVariable)
            {
                foreach (var item in ArrayItems(resource.LoopCollection).SelectMany(i => Strings(i)))
                {
                    yield return item;
                }
            }
            else
            {
                foreach (var literal in Strings(name))
                {
                    yield return literal;
                }
            }
        }
    }

    /// <summary>The text of a string literal without quotes, or null when it interpolates (<c>'${x}'</c>).</summary>
    public static string? StringLiteral(BicepNode node)
    {
        if (node.Type != "string" || node.Syntax.Any(c => c.Type == "interpolation"))
        {
            return null;
        }
        var text = new StringBuilder();
        foreach (var part in node.Syntax)
        {
            text.Append(part.Type == "escape_sequence" ? Unescape(part.Text!) : part.Text);
        }
        return text.ToString();
    }

    /// <summary>The key of an object property (identifier or quoted).</summary>
    public static string? PropertyKey(BicepNode property) => property.Syntax.FirstOrDefault() switch
    {
        { Type: "string" } quoted => StringLiteral(quoted),
        { } key => key.Text,
        null => null,
    };

    private static BicepNode? PropertyValue(BicepNode obj, string key) => obj.Syntax
        .Where(p => p.Type == "object_property" && PropertyKey(p) == key)
        .Select(p => p.Syntax.Skip(1).LastOrDefault())
        .LastOrDefault();

    private static string Unescape(string escape) => escape switch
    {
        "\\'" => "'",
        "\\\\" => "\\",
        "\\n" => "\n",
        "\\r" => "\r",
        "\\t" => "\t",
        "\\$" => "$",
        _ => escape,
    };

    private IEnumerable<BicepNode> Objects(BicepNode? expression, int depth)
    {
        foreach (var leaf in Leaves(expression, depth))
        {
            if (leaf.Type == "object")
            {
                yield return leaf;
            }
        }
    }

    private IEnumerable<string> Strings(BicepNode? expression, int depth)
    {
        foreach (var leaf in Leaves(expression, depth))
        {
            if (leaf.Type == "string" && StringLiteral(leaf) is { } literal)
            {
                yield return literal;
            }
        }
    }

    private IEnumerable<BicepNode> ArrayItems(BicepNode? expression, int depth)
    {
        foreach (var leaf in Leaves(expression, depth))
        {
            if (leaf.Type == "array")
            {
                foreach (var item in leaf.Syntax)
                {
                    yield return item;
                }
            }
            else if (leaf.Type == "call_expression" && leaf.ChildWithField("function")?.Text is "concat" or "union")
            {
                foreach (var argument in leaf.ChildWithField("arguments")?.Syntax ?? [])
                {
                    foreach (var item in ArrayItems(argument, depth + 1))
                    {
                        yield return item;
                    }
                }
            }
        }
    }

    /// <summary>
    /// The expressions an expression can stand for after following variable names, parameters' defaults, member access
    /// on object variables, parentheses and both branches of a ternary. Anything else is returned as it is.
    /// </summary>
    private IEnumerable<BicepNode> Leaves(BicepNode? expression, int depth)
    {
        if (expression is null || depth > MaxDepth)
        {
            yield break;
        }
        switch (expression.Type)
        {
            case "parenthesized_expression":
                foreach (var leaf in Leaves(expression.Syntax.FirstOrDefault(), depth + 1))
                {
                    yield return leaf;
                }
                break;
            case "ternary_expression":
                foreach (var branch in new[] { expression.ChildWithField("consequence"), expression.ChildWithField("alternative") })
                {
                    foreach (var leaf in Leaves(branch, depth + 1))
                    {
                        yield return leaf;
                    }
                }
                break;
            case "identifier" when (Find("var", expression.Text!) ?? Find("param", expression.Text!)) is { Value: { } value }:
                foreach (var leaf in Leaves(value, depth + 1))
                {
                    yield return leaf;
                }
                break;
            case "member_expression" when expression.ChildWithField("property")?.Text is { } property
                                          && Objects(expression.ChildWithField("object"), depth + 1).ToList() is { Count: > 0 } objects:
                foreach (var obj in objects)
                {
                    foreach (var leaf in Leaves(PropertyValue(obj, property), depth + 1))
                    {
                        yield return leaf;
                    }
                }
                break;
            default:
                yield return expression;
                break;
        }
    }

    private static List<Declaration> ReadDeclarations(BicepNode root)
    {
        var declarations = new List<Declaration>();
        IReadOnlyList<BicepNode> pendingDecorators = [];
        foreach (var node in root.Syntax)
        {
            if (node.Type == "decorators")
            {
                pendingDecorators = node.Syntax.ToList();
                continue;
            }
            if (DeclarationKinds.Contains(node.Type) && node.Syntax.FirstOrDefault(c => c.Type == "identifier") is { } name)
            {
                var kind = node.Type switch
                {
                    "parameter_declaration" => "param",
                    "variable_declaration" => "var",
                    "resource_declaration" => "resource",
                    "module_declaration" => "module",
                    _ => "output",
                };
                declarations.Add(new Declaration(kind, name.Text!, node, pendingDecorators));
            }
            pendingDecorators = [];
        }
        return declarations;
    }
}
