using Hl7.Fhir.Model;
using SeSPHR.Crypto.Grants;

namespace SeSPHR.FhirServer.Features.Access.Consents;

/// <summary>
/// Whom a rule is evaluated for. A null <see cref="Role"/> is a role not known (a grantee named by
/// reference in <see cref="ConsentGrants"/>): role permits never match it, role denies always do.
/// <see cref="IsWholeRole"/> is the role itself as a grantee (<see cref="ConsentGrants"/>' bookkeeping
/// of what a role was granted), never a user: a role permit matches only that, so no user gets in
/// through a role alone; a member gets in when the patient approved them, which the Consent records
/// by naming them by reference with their approved key.
/// </summary>
internal readonly record struct Subject(string? FhirUser, UserRole? Role, KeyFingerprint? Fingerprint, bool IsWholeRole = false)
{
    public static Subject Of(Caller caller) => new(FhirReference.Normalize(caller.FhirUser), caller.Role, caller.KeyFingerprint);

    public static Subject WholeRole(UserRole role) => new(null, role, null, IsWholeRole: true);
}

/// <summary>One actor of a provision: a reference (with the key fingerprint the patient approved) or a role.</summary>
internal sealed record ActorRule(string? Reference, UserRole? Role, KeyFingerprint? Fingerprint);

/// <summary>
/// The conditions of a provision in one of two readings. Every provision is read twice: narrowly, for
/// what it permits, and widely, for what it denies. The two differ only where the evaluator does not
/// understand something or needs more than a name: a narrow reading matches nothing it does not
/// understand, a referenced actor only with the approved key, and a role only as a whole (never one
/// of its users); a wide reading matches everything it does not understand, an actor by name
/// whatever their key, and every user of a role. So nothing the evaluator misreads
/// or a key directory swaps ever widens access, and the narrow reading is always within the wide one.
/// </summary>
internal sealed class Conditions
{
    /// <summary>Cells and actions covered (see <see cref="SectionCells"/>).</summary>
    public required ulong Cells { get; init; }

    /// <summary>UTC ticks, from inclusive, until exclusive.</summary>
    public long From { get; init; } = long.MinValue;

    public long Until { get; init; } = long.MaxValue;

    /// <summary>Null: any actor (the provision names none). Empty: nobody.</summary>
    public ActorRule[]? Actors { get; init; }

    public required bool Narrow { get; init; }

    public ulong Match(in Subject subject, long at)
    {
        if (Cells == 0 || at < From || at >= Until)
        {
            return 0;
        }

        return Actors is null || MatchesAnyActor(subject) ? Cells : 0;
    }

    private bool MatchesAnyActor(in Subject subject)
    {
        foreach (var actor in Actors!)
        {
            if (actor.Reference is not null)
            {
                if (actor.Reference == subject.FhirUser
                    && (!Narrow || (actor.Fingerprint is not null && actor.Fingerprint.Equals(subject.Fingerprint))))
                {
                    return true;
                }
            }
            else if (Narrow ? subject.IsWholeRole && subject.Role == actor.Role : subject.Role is not { } role || role == actor.Role)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A compiled provision: its type, its two readings, and its nested exceptions.</summary>
internal sealed class ProvisionRule
{
    /// <summary>Null: the provision makes no decision of its own; its nested provisions decide within it.</summary>
    public required Consent.ConsentProvisionType? Type { get; init; }

    public required Conditions Narrow { get; init; }

    public required Conditions Wide { get; init; }

    /// <summary>Non-empty only for a deny limited to resources (<c>data</c>, meaning <c>instance</c>): their <c>Type/id</c> keys.</summary>
    public string[] ExcludedResources { get; init; } = [];

    public ProvisionRule[] Children { get; init; } = [];

    /// <summary>
    /// The cells this provision and its exceptions permit and deny, within the scope its parent
    /// reached (<paramref name="permitScope"/> narrowly, <paramref name="denyScope"/> widely). The
    /// deepest provision that matches decides; among siblings deny wins. Resource-level denies go to
    /// <paramref name="exclusions"/>.
    /// </summary>
    public (ulong Permit, ulong Deny) Evaluate(ulong permitScope, ulong denyScope, in Subject subject, long at, Exclusions exclusions)
    {
        var denyOwn = denyScope & Wide.Match(subject, at);
        if (denyOwn == 0)
        {
            return (0, 0);
        }

        if (ExcludedResources.Length > 0)
        {
            exclusions.Add(ExcludedResources, denyOwn);
            return (0, 0);
        }

        var permitOwn = permitScope & Narrow.Match(subject, at);
        ulong childPermit = 0, childDeny = 0;
        foreach (var child in Children)
        {
            var (permit, deny) = child.Evaluate(permitOwn, denyOwn, subject, at, exclusions);
            childPermit |= permit;
            childDeny |= deny;
        }

        childPermit &= ~childDeny;
        return Type switch
        {
            Consent.ConsentProvisionType.Permit => ((permitOwn & ~childDeny) | childPermit, childDeny),
            Consent.ConsentProvisionType.Deny => (childPermit, (denyOwn & ~childPermit) | childDeny),
            _ => (childPermit, childDeny),
        };
    }

    /// <summary>Every period bound in this subtree, for cutting time into stretches of constant outcome.</summary>
    public void CollectBounds(ISet<long> bounds)
    {
        foreach (var conditions in new[] { Narrow, Wide })
        {
            if (conditions.From != long.MinValue)
            {
                bounds.Add(conditions.From);
            }

            if (conditions.Until != long.MaxValue)
            {
                bounds.Add(conditions.Until);
            }
        }

        foreach (var child in Children)
        {
            child.CollectBounds(bounds);
        }
    }

    /// <summary>Every actor a narrow reading names: the grantees a Consent can permit.</summary>
    public void CollectGrantees(ICollection<ActorRule> actors)
    {
        foreach (var actor in Narrow.Actors ?? [])
        {
            actors.Add(actor);
        }

        foreach (var child in Children)
        {
            child.CollectGrantees(actors);
        }
    }
}

/// <summary>One active Consent of the patient, compiled.</summary>
internal sealed class ConsentRule
{
    public required string? Id { get; init; }

    public required ProvisionRule Root { get; init; }

    /// <summary>
    /// UTC ticks before which the Consent permits nothing: its <c>dateTime</c> (a grant starts no
    /// earlier than it was given); <see cref="long.MaxValue"/> when its permits cannot be trusted.
    /// Denies are not held back by it: a deny applies from the moment it is stored.
    /// </summary>
    public long PermitsFrom { get; init; } = long.MinValue;

    public (ulong Permit, ulong Deny) Evaluate(in Subject subject, long at, Exclusions exclusions) =>
        Root.Evaluate(at >= PermitsFrom ? SectionCells.All : 0, SectionCells.All, subject, at, exclusions);
}

/// <summary>Resources denied one by one (<c>Type/id</c>), each with the actions denied, as cells.</summary>
internal sealed class Exclusions
{
    private Dictionary<string, ulong>? _byResource;

    public IReadOnlyDictionary<string, ulong> ByResource => _byResource ?? (IReadOnlyDictionary<string, ulong>)EmptyDictionary;

    private static readonly Dictionary<string, ulong> EmptyDictionary = [];

    public void Add(string[] resources, ulong cells)
    {
        _byResource ??= new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var resource in resources)
        {
            _byResource[resource] = _byResource.GetValueOrDefault(resource) | cells;
        }
    }

    public bool Excludes(string resourceKey, AccessAction action) =>
        _byResource is not null
        && _byResource.TryGetValue(resourceKey, out var cells)
        && SectionCells.Of(cells, action) != 0;
}
