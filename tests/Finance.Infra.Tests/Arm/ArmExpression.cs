using System.Globalization;
using System.Text;

namespace Finance.Infra.Tests.Arm;

/// <summary>
/// An ARM template expression, the text between <c>[</c> and <c>]</c> of a template string:
/// <c>format('{0}/{1}', parameters('name'), 'default')</c>, <c>variables('names').plan</c>, <c>x[copyIndex()]</c>.
/// </summary>
public abstract record ArmExpression
{
    /// <summary>A JSON string of a template is an expression when it is bracketed and does not start with the <c>[[</c> escape.</summary>
    public static bool IsExpression(string text) =>
        text.Length >= 2 && text[0] == '[' && text[1] != '[' && text[^1] == ']';

    /// <summary>The literal text of a non-expression template string (<c>[[x]</c> stands for <c>[x]</c>).</summary>
    public static string Literal(string text) => text.StartsWith("[[", StringComparison.Ordinal) ? text[1..] : text;

    /// <summary>Parses the expression of a bracketed template string.</summary>
    public static ArmExpression Parse(string bracketed)
    {
        if (!IsExpression(bracketed))
        {
            throw new ArmEvaluationException($"Not an expression: {bracketed}");
        }
        var parser = new Parser(bracketed[1..^1]);
        var expression = parser.Expression();
        parser.End();
        return expression;
    }

    private sealed class Parser(string text)
    {
        private int at;

        public ArmExpression Expression()
        {
            var expression = Primary();
            while (true)
            {
                SkipSpace();
                if (Peek('.'))
                {
                    at++;
                    expression = new ArmMember(expression, Identifier());
                }
                else if (Peek('['))
                {
                    at++;
                    var index = Expression();
                    Expect(']');
                    expression = new ArmIndex(expression, index);
                }
                else
                {
                    return expression;
                }
            }
        }

        public void End()
        {
            SkipSpace();
            if (at != text.Length)
            {
                throw Error("unexpected text");
            }
        }

        private ArmExpression Primary()
        {
            SkipSpace();
            if (Peek('\''))
            {
                return new ArmLiteral(new ArmString(StringLiteral()));
            }
            if (at < text.Length && (char.IsAsciiDigit(text[at]) || text[at] == '-'))
            {
                var start = at++;
                while (at < text.Length && char.IsAsciiDigit(text[at]))
                {
                    at++;
                }
                return new ArmLiteral(new ArmInt(long.Parse(text.AsSpan(start, at - start), CultureInfo.InvariantCulture)));
            }
            var name = Identifier();
            Expect('(');
            var arguments = new List<ArmExpression>();
            SkipSpace();
            if (!Peek(')'))
            {
                arguments.Add(Expression());
                SkipSpace();
                while (Peek(','))
                {
                    at++;
                    arguments.Add(Expression());
                    SkipSpace();
                }
            }
            Expect(')');
            return new ArmCall(name, arguments);
        }

        private string StringLiteral()
        {
            at++;
            var value = new StringBuilder();
            while (true)
            {
                if (at >= text.Length)
                {
                    throw Error("unterminated string");
                }
                if (text[at] == '\'')
                {
                    if (at + 1 < text.Length && text[at + 1] == '\'')
                    {
                        value.Append('\'');
                        at += 2;
                        continue;
                    }
                    at++;
                    return value.ToString();
                }
                value.Append(text[at++]);
            }
        }

        private string Identifier()
        {
            SkipSpace();
            var start = at;
            while (at < text.Length && (char.IsAsciiLetterOrDigit(text[at]) || text[at] == '_'))
            {
                at++;
            }
            return at > start ? text[start..at] : throw Error("expected a name");
        }

        private void Expect(char c)
        {
            SkipSpace();
            if (!Peek(c))
            {
                throw Error($"expected '{c}'");
            }
            at++;
        }

        private bool Peek(char c) => at < text.Length && text[at] == c;

        private void SkipSpace()
        {
            while (at < text.Length && char.IsWhiteSpace(text[at]))
            {
                at++;
            }
        }

        private ArmEvaluationException Error(string what) => new($"Cannot parse ARM expression at {at} ({what}): [{text}]");
    }
}

public sealed record ArmLiteral(ArmValue Value) : ArmExpression;

public sealed record ArmCall(string Name, IReadOnlyList<ArmExpression> Arguments) : ArmExpression;

public sealed record ArmMember(ArmExpression Target, string Property) : ArmExpression;

public sealed record ArmIndex(ArmExpression Target, ArmExpression Index) : ArmExpression;
