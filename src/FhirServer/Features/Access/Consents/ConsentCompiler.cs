using Hl7.Fhir.Model;
using SeSPHR.Crypto.Grants;
using SeSPHR.Phr.Sections;

namespace SeSPHR.FhirServer.Features.Access.Consents;

/// <summary>
/// Reads Consent POCOs into <see cref="ConsentRule"/>s. The same pass reports, with its FHIRPath,
/// everything it does not understand, so the validator tells a patient exactly what the evaluator
/// would read conservatively (nothing in a permit, everything in a deny).
/// </summary>
internal static class ConsentCompiler
{
    /// <summary>
    /// The rule of an active patient-privacy Consent of <paramref name="patient"/>, or null when the
    /// Consent is no access-control list of that patient at all: another status, another scope,
    /// another patient, or no provision.
    /// </summary>
    public static ConsentRule? Compile(Consent consent, string patient)
    {
        if (consent.Status != Consent.ConsentState.Active
            || !IsPatientPrivacy(consent)
            || FhirReference.Normalize(consent.Patient?.Reference) != patient
            || consent.Provision is null)
        {
            return null;
        }

        return CompileApplicable(consent, problems: null);
    }

    /// <summary>The rule of a Consent with a provision whose status, scope and patient were already checked.</summary>
    public static ConsentRule CompileApplicable(Consent consent, Problems? problems)
    {
        var permitsFrom = long.MinValue;
        if (consent.ModifierExtension.Count > 0)
        {
            permitsFrom = long.MaxValue;
            problems?.Add("Consent.modifierExtension", "a modifier extension the evaluator does not know: the Consent permits nothing");
        }

        if (consent.DateTime is { } dateTime)
        {
            if (FhirTime.TryRange(dateTime, out var from, out _))
            {
                permitsFrom = Math.Max(permitsFrom, from);
            }
            else
            {
                permitsFrom = long.MaxValue;
                problems?.Add("Consent.dateTime", "not a valid dateTime: the Consent permits nothing");
            }
        }

        var provision = consent.Provision ?? throw new ArgumentException("The Consent has no provision.", nameof(consent));
        var rule = CompileProvision(provision, null, root: true, problems is null ? null : "Consent.provision", problems);
        return new ConsentRule { Id = consent.Id, Root = rule, PermitsFrom = permitsFrom };
    }

    public static bool IsPatientPrivacy(Consent consent) =>
        consent.Scope?.Coding.Any(coding => coding.System == ConsentCodings.ScopeSystem && coding.Code == ConsentCodings.PatientPrivacy) == true;

    private static ProvisionRule CompileProvision(
        Consent.provisionComponent provision,
        Consent.ConsentProvisionType? inherited,
        bool root,
        string? path,
        Problems? problems)
    {
        var type = provision.Type;
        var effective = type ?? inherited;
        if (type is null && !root)
        {
            problems?.Add($"{path}.type", "missing: a nested provision says permit or deny");
        }

        // Each condition in its narrow (what is permitted) and wide (what is denied) reading.
        var understood = true;
        var (narrowActions, wideActions) = Actions(provision, path, problems);
        var (narrowLabels, wideLabels) = Labels(provision, path, problems);
        var (narrowClasses, wideClasses) = Classes(provision, narrowLabels, path, problems);
        var (narrowActors, wideActors) = Actors(provision, effective, path, problems);

        long from = long.MinValue, until = long.MaxValue;
        long wideFrom = long.MinValue, wideUntil = long.MaxValue;
        if (provision.Period is { } period)
        {
            if (FhirTime.TryPeriod(period, out from, out until))
            {
                (wideFrom, wideUntil) = (from, until);
            }
            else
            {
                understood = false;
                problems?.Add($"{path}.period", "not a valid period (a bound is not a dateTime, or the end lies before the start)");
            }
        }

        understood &= Unsupported(provision.DataPeriod is not null, path, "dataPeriod", "periods of data are not enforced", problems);
        understood &= Unsupported(provision.Purpose.Count > 0, path, "purpose", "purposes of use are not enforced", problems);
        understood &= Unsupported(provision.Code.Count > 0, path, "code", "content codes are not enforced; name sections (securityLabel) or resource types (class)", problems);
        understood &= Unsupported(provision.ModifierExtension.Count > 0, path, "modifierExtension", "a modifier extension the evaluator does not know", problems);

        var excluded = provision.Data.Count > 0 ? ExcludedResources(provision, type, path, problems) : [];
        understood &= provision.Data.Count == 0 || excluded.Length > 0;

        var narrow = new Conditions
        {
            Cells = understood ? Expand(narrowLabels & narrowClasses, narrowActions) : 0,
            From = from,
            Until = until,
            Actors = narrowActors,
            Narrow = true,
        };
        var wide = new Conditions
        {
            Cells = excluded.Length > 0 ? Expand(SectionCells.AllRead, wideActions) : Expand(wideLabels & wideClasses, wideActions),
            From = wideFrom,
            Until = wideUntil,
            Actors = wideActors,
            Narrow = false,
        };

        if (excluded.Length > 0 && provision.Provision.Count > 0)
        {
            problems?.Add($"{path}.provision", "exceptions inside a resource-level deny are not supported and are ignored");
        }

        var children = excluded.Length > 0
            ? []
            : provision.Provision
                .Select((child, i) => CompileProvision(child, effective, root: false, path is null ? null : $"{path}.provision[{i}]", problems))
                .ToArray();
        return new ProvisionRule { Type = type, Narrow = narrow, Wide = wide, ExcludedResources = excluded, Children = children };
    }

    private static ulong Expand(ulong readCells, ulong actions) => (readCells | (readCells << 32)) & actions;

    private static bool Unsupported(bool present, string? path, string element, string message, Problems? problems)
    {
        if (present)
        {
            problems?.Add($"{path}.{element}", message);
        }

        return !present;
    }

    // Actions in their cell halves: access reads, collect and correct write; none means both.
    private static (ulong Narrow, ulong Wide) Actions(Consent.provisionComponent provision, string? path, Problems? problems)
    {
        if (provision.Action.Count == 0)
        {
            return (SectionCells.All, SectionCells.All);
        }

        ulong narrow = 0, wide = 0;
        for (var i = 0; i < provision.Action.Count; i++)
        {
            ulong actions = 0;
            foreach (var coding in provision.Action[i].Coding.Where(coding => coding.System == ConsentCodings.ActionSystem))
            {
                actions |= coding.Code switch
                {
                    ConsentCodings.Access => SectionCells.ActionMask(AccessAction.Read),
                    ConsentCodings.Collect or ConsentCodings.Correct => SectionCells.ActionMask(AccessAction.Write),
                    _ => 0,
                };
            }

            if (actions == 0)
            {
                wide = SectionCells.All;
                problems?.Add($"{path}.action[{i}]", "not access, collect or correct of http://terminology.hl7.org/CodeSystem/consentaction");
            }

            narrow |= actions;
            wide |= actions;
        }

        return (narrow, wide);
    }

    private static (ulong Narrow, ulong Wide) Labels(Consent.provisionComponent provision, string? path, Problems? problems)
    {
        if (provision.SecurityLabel.Count == 0)
        {
            return (SectionCells.AllRead, SectionCells.AllRead);
        }

        ulong narrow = 0, wide = 0;
        for (var i = 0; i < provision.SecurityLabel.Count; i++)
        {
            var label = provision.SecurityLabel[i];
            if (label.System == ConsentCodings.SectionSystem && PhrSectionCodes.TryParse(label.Code, out var section))
            {
                narrow |= SectionCells.SectionMask(section);
                wide |= SectionCells.SectionMask(section);
            }
            else
            {
                wide = SectionCells.AllRead;
                problems?.Add(
                    $"{path}.securityLabel[{i}]",
                    label.System == ConsentCodings.SectionSystem
                        ? $"'{label.Code}' is not a section; sections are {string.Join(", ", PhrSectionCodes.All.Select(s => s.ToCode()))}"
                        : $"not a section label of {ConsentCodings.SectionSystem}");
            }
        }

        return (narrow, wide);
    }

    private static (ulong Narrow, ulong Wide) Classes(Consent.provisionComponent provision, ulong labels, string? path, Problems? problems)
    {
        if (provision.Class.Count == 0)
        {
            return (SectionCells.AllRead, SectionCells.AllRead);
        }

        ulong narrow = 0, wide = 0;
        for (var i = 0; i < provision.Class.Count; i++)
        {
            var resourceClass = provision.Class[i];
            if (resourceClass.System == ConsentCodings.ResourceTypeSystem && resourceClass.Code is { } type && SectionCells.HasSection(type))
            {
                narrow |= SectionCells.TypeMask(type);
                wide |= SectionCells.TypeMask(type);
                if (provision.SecurityLabel.Count > 0 && (SectionCells.TypeMask(type) & labels) == 0)
                {
                    problems?.Add($"{path}.class[{i}]", $"{type} is in none of the provision's sections, so it matches nothing");
                }
            }
            else
            {
                wide = SectionCells.AllRead;
                problems?.Add(
                    $"{path}.class[{i}]",
                    resourceClass.System == ConsentCodings.ResourceTypeSystem
                        ? $"'{resourceClass.Code}' is not a resource type of a PHR section"
                        : $"not a resource type of {ConsentCodings.ResourceTypeSystem}");
            }
        }

        return (narrow, wide);
    }

    private static (ActorRule[]? Narrow, ActorRule[]? Wide) Actors(
        Consent.provisionComponent provision,
        Consent.ConsentProvisionType? effective,
        string? path,
        Problems? problems)
    {
        if (provision.Actor.Count == 0)
        {
            return (null, null);
        }

        var narrow = new List<ActorRule>(provision.Actor.Count);
        var wide = new List<ActorRule>(provision.Actor.Count);
        var wideAny = false;
        for (var i = 0; i < provision.Actor.Count; i++)
        {
            var actor = provision.Actor[i];
            var at = path is null ? null : $"{path}.actor[{i}]";
            var fingerprints = actor.Extension.Where(extension => extension.Url == ConsentCodings.ApprovedKeyFingerprintUrl).ToList();
            if (actor.ModifierExtension.Count > 0)
            {
                wideAny = true;
                problems?.Add($"{at}.modifierExtension", "a modifier extension the evaluator does not know");
            }
            else if (actor.Reference?.Reference is { } literal)
            {
                if (FhirReference.Normalize(literal) is not { } reference || !ConsentCodings.ActorTypes.Contains(FhirReference.TypeOf(reference)))
                {
                    wideAny = true;
                    problems?.Add(
                        $"{at}.reference",
                        $"not a relative reference to one of {string.Join(", ", ConsentCodings.ActorTypes)} (the grantee's fhirUser)");
                    continue;
                }

                var fingerprint = Fingerprint(fingerprints, effective != Consent.ConsentProvisionType.Deny || PermitsBelow(provision, effective), at, problems);
                if (fingerprint is not null)
                {
                    narrow.Add(new ActorRule(reference, null, fingerprint));
                }

                wide.Add(new ActorRule(reference, null, null));
            }
            else if (actor.Reference?.Identifier is not null)
            {
                wideAny = true;
                problems?.Add($"{at}.reference", "an identifier alone does not name a user; give the grantee's fhirUser as the reference");
            }
            else if (ConsentCodings.RoleOf(actor.Role) is { } role)
            {
                narrow.Add(new ActorRule(null, role, null));
                wide.Add(new ActorRule(null, role, null));
                if (fingerprints.Count > 0)
                {
                    problems?.Add($"{at}.extension", "a role grant names no single key; the approved key fingerprint belongs on a reference actor");
                }
            }
            else
            {
                wideAny = true;
                problems?.Add(
                    at!,
                    actor.Role?.Coding.Count > 0
                        ? $"neither a reference nor a role the evaluator knows (roles: {ConsentCodings.RoleSystem} and the mapped standard codes)"
                        : "an actor needs a reference or a role");
            }
        }

        return ([.. narrow], wideAny ? null : [.. wide]);
    }

    // A nested permit inherits its parent's actors, so a deny by reference with a permit below it
    // (deny everything but vitals to X) needs X's approved key as much as a permit does.
    private static bool PermitsBelow(Consent.provisionComponent provision, Consent.ConsentProvisionType? effective) =>
        provision.Provision.Any(child => (child.Type ?? effective) != Consent.ConsentProvisionType.Deny || PermitsBelow(child, child.Type ?? effective));

    private static KeyFingerprint? Fingerprint(List<Extension> extensions, bool permits, string? at, Problems? problems)
    {
        if (extensions.Count == 0)
        {
            if (permits)
            {
                problems?.Add($"{at}.extension", $"a permit to a reference (here or nested) needs the approved key fingerprint ({ConsentCodings.ApprovedKeyFingerprintUrl})");
            }

            return null;
        }

        if (extensions.Count == 1
            && extensions[0].Value is FhirString { Value: { Length: KeyFingerprint.Size * 2 } hex }
            && hex.All(char.IsAsciiHexDigit))
        {
            return KeyFingerprint.FromBytes(Convert.FromHexString(hex));
        }

        problems?.Add($"{at}.extension", $"one approved key fingerprint, a valueString of {KeyFingerprint.Size * 2} hex digits");
        return null;
    }

    // A deny limited to listed resources excludes them one by one; anything else limited by data is
    // not understood (a resource-level permit is not supported: grants are per section or type).
    private static string[] ExcludedResources(Consent.provisionComponent provision, Consent.ConsentProvisionType? type, string? path, Problems? problems)
    {
        if (type != Consent.ConsentProvisionType.Deny)
        {
            problems?.Add($"{path}.data", "only a deny may be limited to resources; permit a section (securityLabel) or a resource type (class)");
            return [];
        }

        var keys = new string[provision.Data.Count];
        for (var i = 0; i < provision.Data.Count; i++)
        {
            var data = provision.Data[i];
            if (data.Meaning != Consent.ConsentDataMeaning.Instance || FhirReference.Normalize(data.Reference?.Reference) is not { } key)
            {
                problems?.Add($"{path}.data[{i}]", "a resource-level deny names each resource (meaning instance, a relative reference)");
                return [];
            }

            keys[i] = key;
        }

        return keys;
    }
}

/// <summary>Collects <see cref="ConsentProblem"/>s.</summary>
internal sealed class Problems
{
    public List<ConsentProblem> All { get; } = [];

    public void Add(string location, string message) => All.Add(new ConsentProblem(location, message));
}
