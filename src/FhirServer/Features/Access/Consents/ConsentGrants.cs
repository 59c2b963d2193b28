using Hl7.Fhir.Model;
using SeSPHR.Crypto.Grants;
using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Features.Access.Consents;

/// <summary>
/// Whom a Consent grants: a user by reference with the key fingerprint the patient approved, every
/// user of a role, or (a permit naming no actor) every signed-in user.
/// </summary>
public sealed record ConsentGrantee(string? Reference, KeyFingerprint? Fingerprint, UserRole? Role)
{
    public static ConsentGrantee Everyone { get; } = new(null, null, null);

    public static ConsentGrantee User(string reference, KeyFingerprint fingerprint) => new(reference, fingerprint, null);

    public static ConsentGrantee OfRole(UserRole role) => new(null, null, role);
}

/// <summary>
/// One grant a Consent implies: a grantee may do <see cref="Actions"/> in a section from
/// <see cref="Start"/> (inclusive; null: since ever) until <see cref="End"/> (exclusive; null: until
/// revoked). <see cref="ResourceTypes"/> is null when the grant covers the whole section, else the
/// types it covers (a key is per section, so the SRS needs kfrags for the section either way).
/// </summary>
public sealed record ImpliedGrant(
    ConsentGrantee Grantee,
    PhrSection Section,
    GrantActions Actions,
    IReadOnlyList<string>? ResourceTypes,
    DateTimeOffset? Start,
    DateTimeOffset? End);

/// <summary>
/// The grants one Consent implies on its own, for the SRS's kfrag bookkeeping and the patient's grant
/// statement: the Consent is evaluated for each grantee it names over each stretch of time in which
/// none of its periods starts or ends, and equal neighbouring stretches are joined. Exceptions are
/// applied (a nested deny shortens or narrows a grant); other Consents are not (deny across Consents
/// is the evaluator's, at access time). A grantee named by reference is taken to have no role, so a
/// role deny in the same Consent takes them out and a role permit does not let them in. Resources
/// denied one by one do not shorten a grant: keys are per section.
/// </summary>
public static class ConsentGrants
{
    /// <summary>The grants of <paramref name="consent"/>; none unless it is an active patient-privacy Consent with a provision.</summary>
    public static IReadOnlyList<ImpliedGrant> Of(Consent consent)
    {
        ArgumentNullException.ThrowIfNull(consent);
        if (FhirReference.Normalize(consent.Patient?.Reference) is not { } patient || ConsentCompiler.Compile(consent, patient) is not { } rule)
        {
            return [];
        }

        var bounds = new SortedSet<long>();
        rule.Root.CollectBounds(bounds);
        if (rule.PermitsFrom is not (long.MinValue or long.MaxValue))
        {
            bounds.Add(rule.PermitsFrom);
        }

        long[] starts = [long.MinValue, .. bounds];
        var grants = new List<ImpliedGrant>();
        foreach (var grantee in Grantees(rule))
        {
            var subject = grantee is { Reference: null, Role: { } role } ? Subject.WholeRole(role) : new Subject(grantee.Reference, grantee.Role, grantee.Fingerprint);
            var open = new Dictionary<(PhrSection Section, GrantActions Actions, ulong Cells), long>();
            for (var i = 0; i < starts.Length; i++)
            {
                var (permit, _) = rule.Evaluate(subject, starts[i], new Exclusions());
                var current = Pieces(permit).ToHashSet();
                foreach (var piece in open.Keys.Where(piece => !current.Contains(piece)).ToList())
                {
                    grants.Add(Grant(grantee, piece, open[piece], starts[i]));
                    open.Remove(piece);
                }

                foreach (var piece in current)
                {
                    open.TryAdd(piece, starts[i]);
                }
            }

            grants.AddRange(open.Select(pair => Grant(grantee, pair.Key, pair.Value, long.MaxValue)));
        }

        return [.. grants
            .OrderBy(grant => grant.Grantee.Reference, StringComparer.Ordinal)
            .ThenBy(grant => grant.Grantee.Role)
            .ThenBy(grant => grant.Start)
            .ThenBy(grant => grant.Section)
            .ThenBy(grant => grant.Actions)];
    }

    private static IEnumerable<ConsentGrantee> Grantees(ConsentRule rule)
    {
        var actors = new List<ActorRule>();
        rule.Root.CollectGrantees(actors);
        return actors
            .Select(actor => new ConsentGrantee(actor.Reference, actor.Fingerprint, actor.Role))
            .Append(ConsentGrantee.Everyone)
            .Distinct();
    }

    // Per section, read and write together when they cover the same types, else apart.
    private static IEnumerable<(PhrSection, GrantActions, ulong)> Pieces(ulong permitted)
    {
        foreach (var section in PhrSectionCodes.All)
        {
            var read = SectionCells.Of(permitted, AccessAction.Read) & SectionCells.SectionMask(section);
            var write = SectionCells.Of(permitted, AccessAction.Write) & SectionCells.SectionMask(section);
            if (read != 0 && read == write)
            {
                yield return (section, GrantActions.Read | GrantActions.Write, read);
                continue;
            }

            if (read != 0)
            {
                yield return (section, GrantActions.Read, read);
            }

            if (write != 0)
            {
                yield return (section, GrantActions.Write, write);
            }
        }
    }

    private static ImpliedGrant Grant(ConsentGrantee grantee, (PhrSection Section, GrantActions Actions, ulong Cells) piece, long start, long end) =>
        new(
            grantee,
            piece.Section,
            piece.Actions,
            piece.Cells == SectionCells.SectionMask(piece.Section) ? null : [.. SectionCells.TypesOf(piece.Cells)],
            FhirTime.ToInstant(start),
            FhirTime.ToInstant(end));
}
