using System.Security.Cryptography;
using System.Text;

namespace SeSPHR.Cli.Gateway;

/// <summary>
/// The bearer token that keeps other local accounts out of the gateway: 256 random bits made at
/// start and known only to whoever reads the line (or the 0600 file) the gateway writes it to.
/// It is compared in constant time, so response timing does not reveal how much of a guess was right.
/// </summary>
internal sealed class GatewayToken
{
    private readonly byte[] _value;

    private GatewayToken(string value)
    {
        Value = value;
        _value = Encoding.ASCII.GetBytes(value);
    }

    public string Value { get; }

    public static GatewayToken Create() => new(Base64Url(RandomNumberGenerator.GetBytes(32)));

    /// <summary>Whether an <c>Authorization</c> header carries exactly this token as a bearer token.</summary>
    public bool Admits(string? authorization)
    {
        const string Scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var presented = Encoding.ASCII.GetBytes(authorization[Scheme.Length..].Trim());
        // FixedTimeEquals returns at once on a length mismatch; the length is no secret.
        return CryptographicOperations.FixedTimeEquals(presented, _value);
    }

    /// <summary>Writes the token to <paramref name="path"/>, readable and writable by this account only.</summary>
    public void WriteTo(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            // Created with 0600 from the start: there is no moment when another account could open it.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(path, options))
        using (var writer = new StreamWriter(file, Encoding.ASCII))
        {
            writer.WriteLine(Value);
        }

        if (!OperatingSystem.IsWindows())
        {
            // An existing file keeps its mode on open: set it again.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
