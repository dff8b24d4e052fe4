using Finance.Domain.Money;

namespace Finance.Domain.Tests.Support;

internal static class Pounds
{
    public static Pence Of(decimal pounds) => Pence.FromPounds(pounds);
}
