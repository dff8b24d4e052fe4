using Finance.Testing;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests;

/// <summary>The check every test client applies to the problems it receives finds what it is meant to, and no more.</summary>
public sealed class ProblemWordingTests
{
    [Theory]
    [InlineData(400, """{"title":"One or more fields are not valid.","errors":{"entries":["could not be converted to Finance.Functions.Postings.EntryBody"]}}""")]
    [InlineData(400, """{"title":"Bad request.","detail":"An entry of kind CarryForwardIn cannot be posted."}""")]
    [InlineData(500, """{"title":"Failed.","detail":"System.InvalidOperationException: Sequence contains no elements"}""")]
    [InlineData(400, """{"title":"Bad request.","detail":"The value is not a Nullable`1."}""")]
    [InlineData(404, """{"title":"Not Found","status":404}""")]
    [InlineData(400, """{"title":"Bad request.","detail":"'amount' must be a Decimal."}""")]
    public void A_problem_in_the_codes_words_is_found(int status, string json) =>
        ProblemWording.Faults(status, json).Should().NotBeEmpty();

    [Theory]
    [InlineData(400, """{"title":"One or more fields are not valid.","errors":{"entries[1].kind":["'kind' must be one of actual, accrual, carryForwardIn."]}}""")]
    [InlineData(403, """{"title":"Forbidden.","detail":"Only a FinanceLead or PoolManager of the pool may post."}""")]
    [InlineData(404, """{"title":"Not found.","status":404}""")]
    [InlineData(409, """{"title":"Conflict.","detail":"The month is closed; post an adjustment in an open month (If-None-Match is for reads)."}""")]
    public void A_problem_in_the_apis_words_passes(int status, string json) =>
        ProblemWording.Faults(status, json).Should().BeEmpty();

    [Fact]
    public void A_name_the_caller_sent_may_be_quoted_back()
    {
        const string json = """{"title":"Bad request.","errors":{"fundingSource":["given as 'fundingSource' and as 'FundingSource'"]}}""";
        ProblemWording.Faults(400, json, "{\"fundingSource\":\"a\",\"FundingSource\":\"b\"}").Should().BeEmpty();
        ProblemWording.Faults(400, json).Should().NotBeEmpty();
    }

    [Fact]
    public void A_finding_in_the_codes_words_is_found_wherever_it_is()
    {
        const string json = """{"month":3,"findings":[{"code":"entryInClosedMonth","message":"CarryForwardIn 'e1' was posted late."}]}""";
        ProblemWording.MessageFaults(json).Should().ContainSingle().Which.Should().Contain("$.findings[0].message");
        ProblemWording.MessageFaults(json.Replace("CarryForwardIn", "carryForwardIn", StringComparison.Ordinal)).Should().BeEmpty();
    }
}
