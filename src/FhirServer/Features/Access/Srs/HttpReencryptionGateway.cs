namespace SeSPHR.FhirServer.Features.Access.Srs;

/// <summary>
/// <see cref="IReencryptionGateway"/> over <c>POST /api/reencrypt</c> (src/Srs/API.md). A response
/// with more capsules than the contract's 1000 per call is sent as several calls, one after the
/// other, and the answers are joined in the order asked.
/// </summary>
public sealed class HttpReencryptionGateway(SrsConnection srs) : IReencryptionGateway
{
    /// <summary>The most items one <c>/api/reencrypt</c> call may carry (API.md).</summary>
    public const int MaxItemsPerCall = GrantLimits.MaxReencryptItems;

    private const string Operation = "re-encryption";

    public async Task<IReadOnlyList<ReencryptionResult>> ReencryptAsync(string granteeUserId, IReadOnlyList<CapsuleToReencrypt> items, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(granteeUserId);
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            return [];
        }

        var results = new List<ReencryptionResult>(items.Count);
        foreach (var chunk in items.Chunk(MaxItemsPerCall))
        {
            var request = new ReencryptRequest(granteeUserId, [.. chunk.Select(item => new ReencryptItem(item.Ref, item.Patient, item.Section, item.Epoch, Convert.ToBase64String(item.Capsule)))]);
            var response = await srs.SendAsync<ReencryptRequest, ReencryptResponse>(HttpMethod.Post, "/api/reencrypt", request, Operation, cancellationToken);
            results.AddRange(Check(chunk, response));
        }

        return results;
    }

    // Every ref asked gets exactly one answer, a cfrag or a reason; anything else is a broken
    // contract, and a cfrag handed to the wrong resource would only fail later, at the client.
    private static IEnumerable<ReencryptionResult> Check(CapsuleToReencrypt[] asked, ReencryptResponse response)
    {
        var answers = new Dictionary<string, ReencryptionResult>(StringComparer.Ordinal);
        foreach (var item in response.Items ?? [])
        {
            var cfrag = Decode(item.Cfrag);
            var valid = item.Ref is not null
                && (cfrag is { Length: > 0 } ^ item.Refused is { Length: > 0 })
                && (cfrag is not null || item.Cfrag is null)
                && answers.TryAdd(item.Ref, new ReencryptionResult(item.Ref, cfrag, item.Refused, cfrag is null ? null : item.Until));
            if (!valid)
            {
                throw new SrsUnavailableException("The SRS answered re-encryption in an unexpected form; re-encryption is unavailable.");
            }
        }

        if (answers.Count != asked.Length || asked.Any(item => !answers.ContainsKey(item.Ref)))
        {
            throw new SrsUnavailableException("The SRS did not answer every capsule asked; re-encryption is unavailable.");
        }

        return asked.Select(item => answers[item.Ref]);
    }

    private static byte[]? Decode(string? base64)
    {
        if (base64 is null)
        {
            return null;
        }

        var buffer = new byte[base64.Length / 4 * 3];
        return Convert.TryFromBase64String(base64, buffer, out var written) ? buffer[..written] : null;
    }
}
