using System.Text.RegularExpressions;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.SystemTests.InsiderThreat;

/// <summary>An envelope found in a dump, with its clear header (section, epoch, capsule).</summary>
public sealed record DumpedEnvelope(byte[] Bytes, EnvelopeHeader Header);

/// <summary>
/// What an insider can pull out of the plain-SQL dumps of the two databases without knowing their
/// schemas: every section envelope in the FhirServer's (any base64 string that parses as one) and
/// every kfrag in the SRS's (any bytea, or base64 string, that parses as one). Parsing by format
/// rather than by table means nothing stored under another name is missed.
/// </summary>
public static partial class DumpMaterial
{
    public static IReadOnlyList<DumpedEnvelope> Envelopes(string dump)
    {
        var found = new Dictionary<string, DumpedEnvelope>(StringComparer.Ordinal);
        foreach (var candidate in Base64Candidates(dump))
        {
            try
            {
                var header = SectionEnvelope.ReadHeader(candidate);
                found.TryAdd(Convert.ToHexStringLower(header.EnvelopeId), new DumpedEnvelope(candidate, header));
            }
            catch (Exception ex) when (ex is EnvelopeException or UmbralException or ArgumentException)
            {
                // Some other base64 value (a signature, a public key, a grant statement).
            }
        }

        return [.. found.Values];
    }

    public static IReadOnlyList<KeyFrag> KeyFrags(string dump)
    {
        var candidates = ByteaValues(dump).Concat(Base64Candidates(dump)).Where(b => b.Length == KeyFrag.SerializedSize);
        var found = new Dictionary<string, KeyFrag>(StringComparer.Ordinal);
        foreach (var candidate in candidates)
        {
            try
            {
                found.TryAdd(Convert.ToHexStringLower(candidate), KeyFrag.FromBytes(candidate));
            }
            catch (Exception ex) when (ex is UmbralException or ArgumentException)
            {
                // 310 bytes that are not a kfrag.
            }
        }

        return [.. found.Values];
    }

    /// <summary>Every bytea value of a plain dump (COPY text writes them as <c>\\x</c> and hex digits).</summary>
    public static IEnumerable<byte[]> ByteaValues(string dump) =>
        ByteaHex().Matches(dump).Select(m => m.Groups[1].Value).Where(hex => hex.Length % 2 == 0).Select(Convert.FromHexString);

    /// <summary>Every run of 40 or more base64 characters that decodes (standard alphabet, padded or not).</summary>
    public static IEnumerable<byte[]> Base64Candidates(string dump)
    {
        foreach (Match match in Base64Run().Matches(dump))
        {
            var text = match.Value.TrimEnd('=');
            text += new string('=', (4 - (text.Length % 4)) % 4);
            var buffer = new byte[text.Length * 3 / 4];
            if (Convert.TryFromBase64String(text, buffer, out var written))
            {
                yield return buffer[..written];
            }
        }
    }

    [GeneratedRegex(@"\\x([0-9a-fA-F]{2,})")]
    private static partial Regex ByteaHex();

    [GeneratedRegex(@"[A-Za-z0-9+/]{40,}={0,2}")]
    private static partial Regex Base64Run();
}
