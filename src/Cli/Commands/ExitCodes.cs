namespace SeSPHR.Cli.Commands;

/// <summary>
/// The exit codes of <c>sesphr</c>, one per kind of failure a script or a person acts on
/// differently (the table in README.md, "The sesphr command"). They never change meaning.
/// </summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Something the CLI did not foresee; the message says what.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong: unknown command or option, a missing or malformed value.</summary>
    public const int Usage = 2;

    /// <summary>The SRS refused the username and password (it does not say which was wrong).</summary>
    public const int WrongPassword = 3;

    /// <summary>No one is signed in on this profile (<c>sesphr login</c> first).</summary>
    public const int NotSignedIn = 4;

    /// <summary>The SRS or the FhirServer could not be reached or answered with a server error.</summary>
    public const int ServerDown = 5;

    /// <summary>The server refused: the caller's role, grant or scope does not allow this.</summary>
    public const int NotAllowed = 6;

    /// <summary>What the command names does not exist (or is withheld from the caller, which looks the same).</summary>
    public const int NotFound = 7;

    /// <summary>The input was read but refused: a value out of its plausible range, a file that is not FHIR.</summary>
    public const int InvalidInput = 8;

    /// <summary>A sealed section or a cfrag did not verify: the record was tampered with or written by someone not allowed.</summary>
    public const int Tampered = 9;

    /// <summary>A key fingerprint did not match what was compared, or the user did not confirm it.</summary>
    public const int FingerprintMismatch = 10;

    /// <summary>Interrupted (Ctrl-C); whatever finished is kept and a new run goes on from there.</summary>
    public const int Interrupted = 130;
}

/// <summary>A failure the CLI explains to its user: the message goes to stderr and the process exits with <see cref="ExitCode"/>.</summary>
internal sealed class CliException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
