namespace Finance.Infra.Tests.Bicep;

/// <summary>One node of a tree-sitter-bicep syntax tree, as printed by <c>bicep-to-json.js</c>.</summary>
/// <param name="Type">Grammar node type (<c>resource_declaration</c>, <c>object_property</c>, ...) or, for anonymous nodes, the token itself.</param>
/// <param name="Field">Grammar field name of this node in its parent (<c>condition</c>, <c>object</c>, ...), if any.</param>
/// <param name="Named">False for punctuation and keywords (<c>=</c>, <c>existing</c>).</param>
/// <param name="Line">1-based line where the node starts.</param>
/// <param name="Text">Source text of a named node.</param>
/// <param name="Error">An ERROR node: text the parser could not fit into the grammar.</param>
/// <param name="Missing">A node the parser inserted to recover from an error.</param>
/// <param name="Children">Child nodes in source order, comments included.</param>
public sealed record BicepNode(
    string Type, string? Field, bool Named, int Line, string? Text, bool Error, bool Missing, IReadOnlyList<BicepNode> Children)
{
    /// <summary>Named children, without comments (tree-sitter places comments wherever they occur).</summary>
    public IEnumerable<BicepNode> Syntax => Children.Where(c => c.Named && c.Type is not ("comment" or "diagnostic_comment"));

    public BicepNode? ChildWithField(string field) => Children.FirstOrDefault(c => c.Field == field);

    public bool HasToken(string token) => Children.Any(c => !c.Named && c.Type == token);

    public IEnumerable<BicepNode> DescendantsAndSelf()
    {
        var stack = new Stack<BicepNode>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            yield return node;
            for (var i = node.Children.Count - 1; i >= 0; i--)
            {
                stack.Push(node.Children[i]);
            }
        }
    }

    /// <summary>The nodes that make the source fail to parse: ERROR nodes and inserted (MISSING) nodes.</summary>
    public IEnumerable<BicepNode> ParseProblems() => DescendantsAndSelf().Where(n => n.Error || n.Missing);

    public override string ToString() => $"{Type}@{Line}: {Text}";
}
