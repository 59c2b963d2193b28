using System.Globalization;

namespace SeSPHR.Client.Accounts;

/// <summary>
/// Key fingerprints as people compare them: the full 64 hex digits of the SRS's <c>fingerprint</c>
/// in groups of four, read back with or without spaces and colons. Every client shows them alike,
/// so a patient can read one aloud against what the grantee's own client shows.
/// </summary>
public static class FingerprintText
{
    public static string Display(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        var lower = hex.ToLowerInvariant();
        return string.Join(' ', Enumerable.Range(0, lower.Length / 4).Select(i => lower.Substring(i * 4, 4)));
    }

    /// <summary>The 64 lowercase hex digits of a fingerprint a person typed or pasted; false when it is not one.</summary>
    public static bool TryParse(string? typed, out string hex)
    {
        hex = new string([.. (typed ?? "").Where(c => !char.IsWhiteSpace(c) && c != ':')]).ToLower(CultureInfo.InvariantCulture);
        if (hex.Length == 64 && hex.All(Uri.IsHexDigit))
        {
            return true;
        }

        hex = "";
        return false;
    }
}
