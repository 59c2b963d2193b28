using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using SeSPHR.FhirServer.Features.Access;
using SeSPHR.FhirServer.Http;

namespace SeSPHR.FhirServer.Features.Bundles;

/// <summary>
/// <c>POST [base]</c> with a batch or transaction Bundle (http.html#transaction). The Bundle itself
/// is checked first (its type, the request of every entry, fullUrls that are well-formed and, in a
/// transaction, unique); a Bundle that fails these checks is refused as a whole, whatever its type.
/// The answer is a <c>batch-response</c> or <c>transaction-response</c> with one entry per request
/// entry, in the same order.
/// </summary>
public sealed partial class BundleHandler(
    BundleProcessor processor,
    FhirSerialization serialization,
    ResponseShaper shaper,
    IOptions<FhirServerOptions> options,
    IOptions<BundleOptions> bundleOptions)
{
    public async Task<FhirResult> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var format = FhirFormats.ForRequestBody(request);
        var body = await FhirRequest.ReadBodyAsync(request, options.Value, cancellationToken);
        var bundle = serialization.ParseResource(body, format) as Bundle
            ?? throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                "POST to the base URL takes a Bundle of type batch or transaction.", "resourceType");
        Validate(bundle);

        var context = new BundleContext(
            FhirRequest.BaseUrl(request, options.Value),
            FhirRequest.ReturnPreferenceOf(request),
            IsStrict(request),
            request);
        var transaction = bundle.Type == Bundle.BundleType.Transaction;
        // One re-encryption call for the whole response, whatever its entries read.
        shaper.DeferReencryption();
        var results = transaction
            ? await processor.TransactionAsync(bundle.Entry, context, cancellationToken)
            : await processor.BatchAsync(bundle.Entry, context, cancellationToken);

        using var response = new BundleWriter(transaction ? "transaction-response" : "batch-response", null, []);
        foreach (var result in results)
        {
            response.AddEntry(
                result.FullUrl,
                result.ResourceJson,
                response: (result.Status, result.Location, result.ETag, result.LastModified?.UtcDateTime),
                responseOutcomeJson: result.Outcome is null ? null : Encoding.UTF8.GetString(serialization.SerializeToJsonUtf8(result.Outcome)));
        }

        return FhirResult.OfStored(StatusCodes.Status200OK, await shaper.CompleteDeferredAsync(response.Finish(), cancellationToken));
    }

    /// <summary>The rules of the Bundle resource itself (bdl-3, bdl-7, bdl-8) and of this server.</summary>
    private void Validate(Bundle bundle)
    {
        if (bundle.Type is not (Bundle.BundleType.Batch or Bundle.BundleType.Transaction))
        {
            throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                bundle.Type is null
                    ? "Bundle.type is required: batch or transaction."
                    : $"A Bundle of type {bundle.TypeElement.JsonValue} cannot be processed; POST a batch or transaction.",
                "Bundle.type");
        }

        var maxEntries = bundleOptions.Value.MaxEntries;
        if (bundle.Entry.Count > maxEntries)
        {
            throw new FhirException(StatusCodes.Status413PayloadTooLarge, OperationOutcome.IssueType.TooLong,
                $"A Bundle may hold at most {maxEntries.ToString(CultureInfo.InvariantCulture)} entries; split it.", "Bundle.entry");
        }

        var transaction = bundle.Type == Bundle.BundleType.Transaction;
        var fullUrls = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var index = 0; index < bundle.Entry.Count; index++)
        {
            var entry = bundle.Entry[index];
            var at = $"Bundle.entry[{index.ToString(CultureInfo.InvariantCulture)}]";
            if (entry.Request is not { Method: not null, Url.Length: > 0 })
            {
                throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Required,
                    $"{at}: every entry of a batch or transaction needs request.method and request.url.", $"{at}.request");
            }

            if (entry.FullUrl is not { Length: > 0 } fullUrl)
            {
                continue;
            }

            if (!IsWellFormed(fullUrl))
            {
                throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                    $"{at}: fullUrl is not a well-formed URL, urn:uuid: or urn:oid:, or names a version.", $"{at}.fullUrl");
            }

            // A transaction resolves references by fullUrl, so two entries may not share one. The
            // entries of a batch are independent, and clients send several for one resource
            // (a PUT, then a PATCH), so a batch is not held to bdl-7 here.
            if (transaction && !fullUrls.TryAdd(fullUrl, index))
            {
                throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Duplicate,
                    $"{at}: entry {fullUrls[fullUrl].ToString(CultureInfo.InvariantCulture)} has the same fullUrl; the fullUrls of a transaction are unique.",
                    $"{at}.fullUrl");
            }
        }
    }

    private static bool IsWellFormed(string fullUrl)
    {
        if (fullUrl.StartsWith("urn:uuid:", StringComparison.OrdinalIgnoreCase))
        {
            return Guid.TryParseExact(fullUrl["urn:uuid:".Length..], "D", out _);
        }

        if (fullUrl.StartsWith("urn:oid:", StringComparison.OrdinalIgnoreCase))
        {
            return OidPattern().IsMatch(fullUrl["urn:oid:".Length..]);
        }

        return !fullUrl.Contains("/_history/", StringComparison.Ordinal)
            && Uri.TryCreate(fullUrl, UriKind.RelativeOrAbsolute, out _)
            && !fullUrl.Any(char.IsWhiteSpace);
    }

    private static bool IsStrict(HttpRequest request) =>
        request.Headers["Prefer"].Any(value => value?.Replace(" ", "", StringComparison.Ordinal)
            .Contains("handling=strict", StringComparison.OrdinalIgnoreCase) == true);

    [GeneratedRegex(@"^[0-2](\.(0|[1-9][0-9]*))+$", RegexOptions.CultureInvariant)]
    private static partial Regex OidPattern();
}
