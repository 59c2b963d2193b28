using SeSPHR.Crypto.Primitives;
using SeSPHR.Crypto.Umbral;

namespace SeSPHR.Crypto.Grants;

/// <summary>
/// What a client remembers of a patient's statements between runs: the highest number it accepted
/// and the SHA-256 of that statement header's canonical bytes (lowercase hex; the header's root covers
/// every entry). Persist it with the pinned key.
/// </summary>
public sealed record GrantStatementCheckpoint(long Number, string DigestHex);

/// <summary>
/// A client's guard for one patient's grant statements: it accepts only statements signed by the
/// patient's pinned signing key, about that patient, and never older than the last one it accepted,
/// nor a different statement under the same number. A server replaying an old statement to restore
/// withdrawn access, or showing a forked history, is refused.
/// </summary>
/// <remarks>Thread-safe. Holds no secrets.</remarks>
public sealed class GrantStatementVerifier
{
    private readonly Lock _lock = new();
    private GrantStatementCheckpoint? _lastSeen;

    public GrantStatementVerifier(string patientId, PublicKey patientSigningKey, GrantStatementCheckpoint? lastSeen = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(patientId);
        ArgumentNullException.ThrowIfNull(patientSigningKey);
        PatientId = patientId;
        PatientSigningKey = patientSigningKey;
        _lastSeen = lastSeen;
    }

    public string PatientId { get; }

    public PublicKey PatientSigningKey { get; }

    /// <summary>The newest statement accepted so far (or the one this verifier was created with).</summary>
    public GrantStatementCheckpoint? LastSeen
    {
        get
        {
            lock (_lock)
                return _lastSeen;
        }
    }

    /// <summary>
    /// Verifies <paramref name="signedStatement"/> and accepts it if it is as new as or newer than everything seen;
    /// accepting the same statement again is allowed (signatures are randomized, so it may carry another one).
    /// </summary>
    /// <exception cref="GrantStatementSignatureException">Not signed by the patient's key as a grant statement.</exception>
    /// <exception cref="GrantStatementFormatException">Not a canonical statement.</exception>
    /// <exception cref="GrantStatementPatientMismatchException">About another patient.</exception>
    /// <exception cref="StaleGrantStatementException">Numbered lower than the last accepted.</exception>
    /// <exception cref="ConflictingGrantStatementException">Same number as the last accepted, different content.</exception>
    public GrantStatementHeader Accept(SignedGrantStatement signedStatement)
    {
        ArgumentNullException.ThrowIfNull(signedStatement);
        var statement = signedStatement.Verify(PatientSigningKey);
        if (statement.PatientId != PatientId)
            throw new GrantStatementPatientMismatchException();
        var digest = Convert.ToHexStringLower(Sha256.Hash(statement.CanonicalBytes));

        lock (_lock)
        {
            if (_lastSeen is { } last)
            {
                if (statement.Number < last.Number)
                    throw new StaleGrantStatementException(statement.Number, last.Number);
                if (statement.Number == last.Number && digest != last.DigestHex)
                    throw new ConflictingGrantStatementException(statement.Number);
            }

            _lastSeen = new GrantStatementCheckpoint(statement.Number, digest);
            return statement;
        }
    }
}
