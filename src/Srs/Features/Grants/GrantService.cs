using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using SeSPHR.Crypto.Grants;
using SeSPHR.Crypto.Umbral;
using SeSPHR.Srs.Features.Accounts;
using SeSPHR.Srs.Storage;

namespace SeSPHR.Srs.Features.Grants;

/// <summary>One kfrag as a patient offers it, decoded.</summary>
public sealed record KfragOffer(
    string Section, uint Epoch, Guid GranteeId, byte[] DelegatingPublicKey, byte[] KeyFrag, DateTimeOffset Start, DateTimeOffset? End);

/// <summary>
/// A patient's upload: the Consent the kfrags belong to, the signed grant statement header (wire
/// form), the openings of the entries of the grantees the kfrags are for, and the kfrags.
/// </summary>
public sealed record GrantUpload(string ConsentId, byte[] SignedStatement, IReadOnlyList<byte[]> Openings, IReadOnlyList<KfragOffer> Kfrags);

/// <summary>The accepted count, or why nothing was stored.</summary>
public sealed record GrantUploadResult(int Accepted, GrantRefusal? Refusal);

/// <summary>
/// Accepts a patient's kfrags only when the patient's own signed grant statement vouches for each:
/// the statement header verifies under the patient's directory signing key and is not older than one
/// already held; the kfrag's delegating key is the key the header (or an earlier one) names for its
/// section and epoch; the kfrag verifies as made by the patient for that delegating key and the
/// grantee's directory Umbral key; an uploaded opening proves, under the header's root, the
/// grantee's entry for that section with read over the kfrag's whole period and the fingerprint of
/// the grantee's directory keys; the grantee is active. The SRS sees only the entries of the grantees
/// it is given kfrags for, never the rest of the statement. Everything is stored pending (unusable)
/// until the FhirServer reconciles the Consent, or nothing is stored.
/// </summary>
/// <remarks>
/// Earlier epochs: a statement names only each section's current epoch. A kfrag for an earlier epoch
/// is checked against the key an earlier stored statement (or kfrag) named for that epoch; when this
/// SRS has never seen that epoch, its key is taken from the kfrag itself (whose signature by the
/// patient covers the delegating key) and remembered, so a later kfrag for that epoch must agree.
/// Epochs above the current one are refused.
/// </remarks>
public sealed class GrantService(SrsDbContext db, IKeyDirectory directory, TimeProvider clock)
{
    // Umbral's MessagePack kfrag: fixarray(5), fixarray(1), bin8(33) U, then bin8(32) id.
    private const int KeyFragIdOffset = 1 + 1 + 2 + PublicKey.CompressedSize + 2;
    private const int KeyFragIdSize = 32;

    public async Task<GrantUploadResult> UploadAsync(Guid patientUserId, GrantUpload upload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upload);
        var patient = await directory.FindAsync(patientUserId, cancellationToken);
        if (patient is not { Status: AccountStatus.Active, Role: "patient" })
            return Refused(GrantRefusal.Forbidden("The caller is not an active patient in the key directory."));
        var signingKey = PublicKey.FromBytes(patient.SigningPublicKey);

        GrantStatementHeader statement;
        try
        {
            statement = SignedGrantStatement.FromBytes(upload.SignedStatement).Verify(signingKey);
        }
        catch (GrantStatementSignatureException)
        {
            return Refused(GrantRefusal.Unprocessable("grantStatement: the signature does not verify under the patient's signing key."));
        }
        catch (GrantStatementFormatException)
        {
            return Refused(GrantRefusal.Unprocessable("grantStatement: not a canonical signed grant statement."));
        }

        if (OpenEntries(statement, upload.Openings) is not { } entries)
            return Refused(GrantRefusal.Unprocessable("grantOpenings: an opening is malformed or does not lead to the statement's root."));

        if (!NamesPatient(statement.PatientId, patient))
            return Refused(GrantRefusal.Unprocessable("grantStatement: the statement is about another patient."));

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var stored = await db.GrantStatements
            .FromSql($"SELECT * FROM srs.grant_statements WHERE \"PatientUserId\" = {patientUserId} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken);
        var digest = SHA256.HashData(statement.ToCanonicalBytes());
        if (stored is not null && statement.Number < stored.Number)
            return Refused(GrantRefusal.Conflict($"grantStatement: statement {statement.Number} is older than statement {stored.Number}, already held."));
        if (stored is not null && statement.Number == stored.Number && !digest.AsSpan().SequenceEqual(stored.StatementDigest))
            return Refused(GrantRefusal.Conflict($"grantStatement: a different statement {statement.Number} is already held."));

        var knownKeys = await db.SectionKeys.Where(k => k.PatientUserId == patientUserId).ToListAsync(cancellationToken);
        var sectionKeys = knownKeys.ToDictionary(k => (k.Section, k.Epoch), k => k.PublicKey);
        foreach (var section in statement.Sections)
        {
            var key = section.PublicKey.ToCompressedBytes();
            if (sectionKeys.TryGetValue((section.Section, section.Epoch), out var known))
            {
                if (!known.AsSpan().SequenceEqual(key))
                    return Refused(GrantRefusal.Conflict($"grantStatement: section {section.Section} epoch {section.Epoch} has another key than an earlier statement named."));
                continue;
            }

            sectionKeys.Add((section.Section, section.Epoch), key);
        }

        var now = clock.GetUtcNow();
        var grantees = new Dictionary<Guid, DirectoryEntry?>();
        var rows = new List<ReencryptionKey>();
        for (var i = 0; i < upload.Kfrags.Count; i++)
        {
            var offer = upload.Kfrags[i];
            if (!grantees.TryGetValue(offer.GranteeId, out var grantee))
                grantees[offer.GranteeId] = grantee = await directory.FindAsync(offer.GranteeId, cancellationToken);
            var refusal = CheckOffer(offer, statement, entries, signingKey, grantee, sectionKeys);
            if (refusal is not null)
                return Refused(refusal with { Title = $"kfrags[{i}]: {refusal.Title}" });

            rows.Add(new ReencryptionKey
            {
                PatientUserId = patientUserId,
                PatientFhirUser = patient.FhirUser,
                ConsentId = upload.ConsentId,
                Section = offer.Section,
                Epoch = offer.Epoch,
                GranteeUserId = offer.GranteeId,
                DelegatingPublicKey = offer.DelegatingPublicKey,
                KeyFragBytes = offer.KeyFrag,
                KeyFragId = offer.KeyFrag.AsSpan(KeyFragIdOffset, KeyFragIdSize).ToArray(),
                Start = offer.Start,
                End = offer.End,
                State = ReencryptionKeyState.Pending,
                CreatedAt = now,
            });
        }

        var persisted = knownKeys.Select(k => (k.Section, k.Epoch)).ToHashSet();
        db.SectionKeys.AddRange(sectionKeys
            .Where(pair => !persisted.Contains(pair.Key))
            .Select(pair => new KnownSectionKey { PatientUserId = patientUserId, Section = pair.Key.Section, Epoch = pair.Key.Epoch, PublicKey = pair.Value }));

        await ReplacePendingAsync(patientUserId, upload.ConsentId, rows, cancellationToken);
        db.ReencryptionKeys.AddRange(rows);
        RecordStatement(stored, patientUserId, statement.Number, digest, upload, now);

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Two uploads of one patient raced to insert the same statement or section-key row; the loser retries.
            return Refused(GrantRefusal.Conflict("A concurrent grant upload for this patient won; retry."));
        }

        await transaction.CommitAsync(cancellationToken);
        return new GrantUploadResult(rows.Count, null);
    }

    // A client repairing an interrupted grant uploads again: its new kfrags replace the pending ones
    // for the same Consent, section, epoch and grantee (active ones stay until reconciled).
    private async Task ReplacePendingAsync(Guid patientUserId, string consentId, List<ReencryptionKey> rows, CancellationToken cancellationToken)
    {
        var slots = rows.Select(r => (r.Section, r.Epoch, r.GranteeUserId)).ToHashSet();
        var pending = await db.ReencryptionKeys
            .Where(k => k.PatientUserId == patientUserId && k.ConsentId == consentId && k.State == ReencryptionKeyState.Pending)
            .ToListAsync(cancellationToken);
        db.ReencryptionKeys.RemoveRange(pending.Where(k => slots.Contains((k.Section, k.Epoch, k.GranteeUserId))));
    }

    private void RecordStatement(StoredGrantStatement? stored, Guid patientUserId, long number, byte[] digest, GrantUpload upload, DateTimeOffset now)
    {
        if (stored is null)
        {
            db.GrantStatements.Add(new StoredGrantStatement
            {
                PatientUserId = patientUserId,
                Number = number,
                StatementDigest = digest,
                SignedStatement = upload.SignedStatement,
                ConsentId = upload.ConsentId,
                ReceivedAt = now,
            });
        }
        else if (number > stored.Number)
        {
            stored.Number = number;
            stored.StatementDigest = digest;
            stored.SignedStatement = upload.SignedStatement;
            stored.ConsentId = upload.ConsentId;
            stored.ReceivedAt = now;
        }
    }

    /// <summary>The caller's kfrag records of one Consent, without the kfrag bytes.</summary>
    public async Task<IReadOnlyList<GrantRecordResponse>> ListAsync(Guid patientUserId, string consentId, CancellationToken cancellationToken) =>
        await db.ReencryptionKeys
            .Where(k => k.PatientUserId == patientUserId && k.ConsentId == consentId)
            .OrderBy(k => k.Section).ThenBy(k => k.Epoch).ThenBy(k => k.GranteeUserId).ThenBy(k => k.Id)
            .Select(k => new GrantRecordResponse(
                k.ConsentId, k.Section, k.Epoch, k.GranteeUserId, k.State == ReencryptionKeyState.Active ? "active" : "pending",
                k.Start, k.End, k.Threshold, k.Shares, k.CreatedAt, k.ActivatedAt))
            .ToListAsync(cancellationToken);

    // Every opening must lead to the signed root; an entry the patient did not sign is refused outright.
    private static List<GrantEntry>? OpenEntries(GrantStatementHeader statement, IReadOnlyList<byte[]> openings)
    {
        var entries = new List<GrantEntry>(openings.Count);
        try
        {
            foreach (var opening in openings)
                entries.Add(statement.Open(GrantOpening.FromBytes(opening)));
        }
        catch (GrantStatementException)
        {
            return null;
        }

        return entries;
    }

    private static GrantRefusal? CheckOffer(
        KfragOffer offer,
        GrantStatementHeader statement,
        List<GrantEntry> entries,
        PublicKey patientSigningKey,
        DirectoryEntry? grantee,
        Dictionary<(string Section, long Epoch), byte[]> sectionKeys)
    {
        if (statement.FindSection(offer.Section) is not { } current)
            return GrantRefusal.Unprocessable($"the statement does not list section {offer.Section}.");
        if (offer.Epoch > current.Epoch)
            return GrantRefusal.Unprocessable($"epoch {offer.Epoch} is newer than the statement's epoch {current.Epoch} of section {offer.Section}.");
        if (grantee is null)
            return GrantRefusal.Unprocessable("the grantee is not in the key directory.");
        if (grantee.Status != AccountStatus.Active)
            return GrantRefusal.Unprocessable("the grantee is not active.");

        var granteeEntries = entries.Where(e => Guid.TryParse(e.GranteeId, out var id) && id == offer.GranteeId).ToList();
        if (granteeEntries.Count == 0)
            return GrantRefusal.Unprocessable("no opening shows the statement granting anything to this grantee.");
        var receivingKey = PublicKey.FromBytes(grantee.UmbralPublicKey);
        var signingKeyOfGrantee = PublicKey.FromBytes(grantee.SigningPublicKey);
        if (!granteeEntries.All(e => e.Fingerprint.Matches(receivingKey, signingKeyOfGrantee)))
            return GrantRefusal.Unprocessable("the grantee's directory keys do not match the fingerprint the patient approved.");
        var grant = granteeEntries.FirstOrDefault(e => e.Section == offer.Section && (e.Grant.Actions & GrantActions.Read) != 0)?.Grant;
        if (grant is null)
            return GrantRefusal.Unprocessable($"no opening shows the statement granting this grantee read on section {offer.Section}.");
        if (offer.Start < grant.Start || (grant.End is { } end && (offer.End is null || offer.End > end)))
            return GrantRefusal.Unprocessable("the kfrag's period is not within the statement's grant period.");

        if (sectionKeys.TryGetValue((offer.Section, offer.Epoch), out var named))
        {
            if (!named.AsSpan().SequenceEqual(offer.DelegatingPublicKey))
                return GrantRefusal.Unprocessable($"the delegating key is not the key named for section {offer.Section} epoch {offer.Epoch}.");
        }

        VerifiedKeyFrag verified;
        try
        {
            verified = KeyFrag.FromBytes(offer.KeyFrag).Verify(patientSigningKey, PublicKey.FromBytes(offer.DelegatingPublicKey), receivingKey);
        }
        catch (UmbralException)
        {
            return GrantRefusal.Unprocessable("the kfrag does not verify as the patient's for this delegating key and the grantee's key.");
        }

        if (!verified.KeyFrag.DelegatingKeySigned)
            return GrantRefusal.Unprocessable("the kfrag's signature must cover the delegating key.");
        if (!sectionKeys.ContainsKey((offer.Section, offer.Epoch)))
            sectionKeys.Add((offer.Section, offer.Epoch), offer.DelegatingPublicKey);
        return null;
    }

    private static bool NamesPatient(string statementPatientId, DirectoryEntry patient) =>
        (Guid.TryParse(statementPatientId, out var id) && id == patient.UserId) || statementPatientId == patient.FhirUser;

    private static GrantUploadResult Refused(GrantRefusal refusal) => new(0, refusal);
}
