using System.Diagnostics.CodeAnalysis;
using Azure;
using Azure.Core;

namespace Finance.Storage.Http;

/// <summary>A <see cref="NullableResponse{T}"/> that either holds a value or says the resource was not there.</summary>
internal sealed class MaybeResponse<T>(Response rawResponse, bool hasValue, T? value) : NullableResponse<T>
{
    public override bool HasValue => hasValue;

    public override T? Value => value;

    public override Response GetRawResponse() => rawResponse;
}

/// <summary>A response that was not received from the transport but read out of another body: one operation's
/// answer inside an entity group transaction's multipart response.</summary>
internal sealed class EmbeddedResponse : Response
{
    private readonly List<HttpHeader> headers;

    public EmbeddedResponse(int status, string reasonPhrase, IEnumerable<HttpHeader> headers, byte[] content)
    {
        Status = status;
        ReasonPhrase = reasonPhrase;
        this.headers = [.. headers];
        ContentStream = new MemoryStream(content, writable: false);
        ClientRequestId = this.headers.FirstOrDefault(h => h.Name.Equals("x-ms-client-request-id", StringComparison.OrdinalIgnoreCase)).Value ?? string.Empty;
    }

    public override int Status { get; }

    public override string ReasonPhrase { get; }

    public override Stream? ContentStream { get; set; }

    public override string ClientRequestId { get; set; }

    public override bool IsError => Status >= 400;

    public override void Dispose() => ContentStream?.Dispose();

    protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value)
    {
        var values = Values(name).ToList();
        value = values.Count == 0 ? null : string.Join(",", values);
        return value is not null;
    }

    protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
    {
        var found = Values(name).ToList();
        values = found.Count == 0 ? null : found;
        return values is not null;
    }

    protected override bool ContainsHeader(string name) => Values(name).Any();

    protected override IEnumerable<HttpHeader> EnumerateHeaders() => headers;

    private IEnumerable<string> Values(string name) =>
        headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);
}

/// <summary>An <see cref="AsyncPageable{T}"/> that fetches one page per service call, following continuation tokens.</summary>
internal sealed class ContinuationPageable<T>(
    Func<string?, int?, CancellationToken, Task<Page<T>>> fetchPage,
    int? defaultPageSize,
    CancellationToken cancellationToken)
    : AsyncPageable<T>(cancellationToken)
    where T : notnull
{
    public override async IAsyncEnumerable<Page<T>> AsPages(string? continuationToken = null, int? pageSizeHint = null)
    {
        var token = continuationToken;
        do
        {
            var page = await fetchPage(token, pageSizeHint ?? defaultPageSize, CancellationToken).ConfigureAwait(false);
            yield return page;
            token = page.ContinuationToken;
        }
        while (!string.IsNullOrEmpty(token));
    }
}
