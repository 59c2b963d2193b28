using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Srs.Security;
using SeSPHR.Srs.Storage;

namespace SeSPHR.Srs.Features.Accounts;

/// <summary>Turns a registration into an account: validation, uniqueness, the slow hash of the secret, the fingerprint.</summary>
public sealed class Registrations(SrsDbContext db, IValidator<RegistrationRequest> validator, TimeProvider time)
{
    /// <summary>The account to store, or the problem that refuses it.</summary>
    public async Task<(Account? Account, ProblemHttpResult? Problem)> PrepareAsync(RegistrationRequest request, CancellationToken cancellationToken)
    {
        var validation = await validator.ValidateAsync(request, cancellationToken);
        if (!validation.IsValid)
            return (null, Problems.Invalid(validation));
        if (await db.Accounts.AnyAsync(a => a.Username == request.Username, cancellationToken))
            return (null, Problems.Of(StatusCodes.Status409Conflict, "username is already registered."));
        if (await db.Accounts.AnyAsync(a => a.FhirUser == request.FhirUser, cancellationToken))
            return (null, Problems.Of(StatusCodes.Status409Conflict, "fhirUser is already registered."));

        var umbral = RegistrationValidator.Decode(request.UmbralPublicKey)!;
        var signing = RegistrationValidator.Decode(request.SigningPublicKey)!;
        var authSecret = RegistrationValidator.Decode(request.AuthSecret)!;
        var fingerprint = KeyFingerprint.Compute(PublicKey.FromBytes(umbral), PublicKey.FromBytes(signing));
        var account = new Account
        {
            Id = Guid.NewGuid(),
            Username = request.Username!,
            Role = request.Role!,
            FhirUser = request.FhirUser!,
            Status = Roles.NeedsApproval(request.Role!) ? AccountStatus.Pending : AccountStatus.Active,
            KdfSalt = RegistrationValidator.Decode(request.Kdf!.Salt)!,
            KdfMemoryKiB = request.Kdf.MemoryKiB,
            KdfIterations = request.Kdf.Iterations,
            KdfParallelism = request.Kdf.Parallelism,
            AuthSecretHash = AuthSecretHasher.Hash(authSecret),
            UmbralPublicKey = umbral,
            SigningPublicKey = signing,
            Fingerprint = Convert.ToHexStringLower(fingerprint.ToBytes()),
            WrappedBackup = RegistrationValidator.Decode(request.WrappedBackup)!,
            CreatedAt = time.GetUtcNow(),
        };
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(authSecret);
        return (account, null);
    }

    /// <summary>Stores it; a concurrent registration of the same name or fhirUser loses with 409.</summary>
    public async Task<ProblemHttpResult?> StoreAsync(Account account, CancellationToken cancellationToken)
    {
        db.Accounts.Add(account);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return null;
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return Problems.Of(StatusCodes.Status409Conflict, "username or fhirUser is already registered.");
        }
    }
}
