using System.Globalization;
using SeSPHR.Cli.Commands;

namespace SeSPHR.Cli.Profile;

/// <summary>
/// Key fingerprints as people compare them: the full 64 hex digits in groups of four (the SRS's
/// <c>fingerprint</c>), read back with or without spaces and colons.
/// </summary>
internal static class FingerprintText
{
    public static string Display(string hex) =>
        string.Join(' ', Enumerable.Range(0, hex.Length / 4).Select(i => hex.Substring(i * 4, 4)));

    /// <summary>The 64 lowercase hex digits of a fingerprint a person typed or pasted.</summary>
    public static string Parse(string typed)
    {
        var hex = new string([.. typed.Where(c => !char.IsWhiteSpace(c) && c != ':')]).ToLower(CultureInfo.InvariantCulture);
        return hex.Length == 64 && hex.All(Uri.IsHexDigit)
            ? hex
            : throw new CliException(ExitCodes.Usage, "--fingerprint takes the 64 hex digits of the key fingerprint (spaces allowed).");
    }
}
