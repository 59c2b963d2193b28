using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace SeSPHR.Contracts.Accounts;

/// <summary>The shape of a username, as the SRS accepts it and every client checks it before sending.</summary>
public static partial class UsernameRule
{
    public const string Description = "3 to 64 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit";

    public static bool IsUsername([NotNullWhen(true)] string? username) => username is not null && Shape().IsMatch(username);

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{2,63}$")]
    private static partial Regex Shape();
}
