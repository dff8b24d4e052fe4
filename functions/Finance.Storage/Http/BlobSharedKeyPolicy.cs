using System.Globalization;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Finance.Storage.Http;

/// <summary>
/// Shared Key for the Blob service (version 2009-09-19 and later): the verb, eleven standard headers (Content-Length
/// empty when zero; Date empty because x-ms-date is sent), the x-ms-* headers lower-cased and sorted, then
/// /{account}{encoded path} and each query parameter as "\nname:value".
/// </summary>
internal sealed class BlobSharedKeyPolicy(string accountName, byte[] accountKey) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        SharedKeySignature.StampDate(request);

        var contentLength = string.Empty;
        if (request.Content is not null && request.Content.TryComputeLength(out var length) && length > 0)
        {
            contentLength = length.ToString(CultureInfo.InvariantCulture);
        }

        var text = new StringBuilder();
        text.Append(request.Method.Method).Append('\n');
        text.Append(SharedKeySignature.Header(request, "Content-Encoding")).Append('\n');
        text.Append(SharedKeySignature.Header(request, "Content-Language")).Append('\n');
        text.Append(contentLength).Append('\n');
        text.Append(SharedKeySignature.Header(request, "Content-MD5")).Append('\n');
        text.Append(SharedKeySignature.Header(request, "Content-Type")).Append('\n');
        text.Append(string.Empty).Append('\n'); // Date: x-ms-date is in the canonicalised headers instead.
        text.Append(SharedKeySignature.Header(request, "If-Modified-Since")).Append('\n');
        text.Append(SharedKeySignature.Header(request, "If-Match")).Append('\n');
        text.Append(SharedKeySignature.Header(request, "If-None-Match")).Append('\n');
        text.Append(SharedKeySignature.Header(request, "If-Unmodified-Since")).Append('\n');
        text.Append(SharedKeySignature.Header(request, "Range")).Append('\n');

        var storageHeaders = request.Headers
            .Where(h => h.Name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            .Select(h => (Name: h.Name.ToLowerInvariant(), h.Value))
            .OrderBy(h => h.Name, StringComparer.Ordinal);
        foreach (var (name, value) in storageHeaders)
        {
            text.Append(name).Append(':').Append(value.Trim()).Append('\n');
        }

        var uri = request.Uri.ToUri();
        text.Append('/').Append(accountName).Append(uri.AbsolutePath);
        foreach (var (name, values) in SharedKeySignature.QueryParameters(uri))
        {
            values.Sort(StringComparer.Ordinal);
            text.Append('\n').Append(name).Append(':').Append(string.Join(',', values));
        }

        request.Headers.SetValue("Authorization", $"SharedKey {accountName}:{SharedKeySignature.Sign(accountKey, text.ToString())}");
    }
}
