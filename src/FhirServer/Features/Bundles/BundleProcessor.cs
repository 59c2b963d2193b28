using System.Globalization;
using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Features.Access;
using SeSPHR.FhirServer.Features.Operations.Patch;
using SeSPHR.FhirServer.Features.Resources;
using SeSPHR.FhirServer.Features.Resources.History;
using SeSPHR.FhirServer.Features.Resources.Search;
using SeSPHR.FhirServer.Features.Resources.Update;
using SeSPHR.FhirServer.Http;
using SeSPHR.FhirServer.Search;
using SeSPHR.FhirServer.Storage;

namespace SeSPHR.FhirServer.Features.Bundles;

/// <summary>
/// Runs the entries of a batch or transaction Bundle. A transaction is one unit: every entry is
/// checked, every identity assigned and every reference rewritten before anything is written, all
/// writes go to the store in one commit (one database transaction), and the first entry that fails
/// fails the whole Bundle with nothing stored. A batch runs each entry as a unit of its own, so a
/// failing entry is reported in its response entry and the others go on.
/// </summary>
public sealed class BundleProcessor(
    IResourceStore store,
    ResourceWriter writer,
    ResourceRegistry registry,
    SearchRequestParser parser,
    SearchHandler search,
    HistoryHandler history,
    PatchResourceHandler patches,
    DisclosurePolicy disclosure,
    ResponseShaper shaper,
    SearchIndexer indexer)
{
    public async Task<IReadOnlyList<EntryResult>> TransactionAsync(IList<Bundle.EntryComponent> entries, BundleContext context, CancellationToken cancellationToken)
    {
        var work = new List<EntryWork>(entries.Count);
        for (var index = 0; index < entries.Count; index++)
        {
            work.Add(Prepare(index, entries[index], context));
        }

        await RunAsync(work, context, cancellationToken);
        return work.Select(w => w.Result!).ToList();
    }

    public async Task<IReadOnlyList<EntryResult>> BatchAsync(IList<Bundle.EntryComponent> entries, BundleContext context, CancellationToken cancellationToken)
    {
        var results = new List<EntryResult>(entries.Count);
        for (var index = 0; index < entries.Count; index++)
        {
            try
            {
                var work = Prepare(index, entries[index], context);
                await RunAsync([work], context, cancellationToken);
                results.Add(work.Result!);
            }
            catch (FhirException failure)
            {
                results.Add(EntryResult.Failed(failure));
            }
            catch (Exception refused) when (PostgresText.IsRefusedValue(refused))
            {
                // The entry's own unit of work was rolled back; the other entries go on.
                results.Add(EntryResult.Failed(EntryFailure.At(index, entries[index].Resource?.TypeName, PostgresText.RefusedValue())));
            }
        }

        return results;
    }

    /// <summary>Checks one entry on its own: its route, its resource, its preconditions, its search.</summary>
    private EntryWork Prepare(int index, Bundle.EntryComponent entry, BundleContext context)
    {
        var request = entry.Request!;
        try
        {
            var route = BundleEntryRoute.Parse(request.Method!.Value, request.Url!, context.BaseUrl, registry);
            var work = new EntryWork(index, entry, route);
            switch (route.Interaction)
            {
                case EntryInteraction.Create or EntryInteraction.Update or EntryInteraction.ConditionalUpdate:
                    var resource = entry.Resource ?? throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Required,
                        $"A {request.Method} entry needs a resource.", "resource");
                    if (resource.TypeName != route.ResourceType)
                    {
                        throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                            $"The entry holds a {resource.TypeName}, but request.url names {route.ResourceType}.", "resource");
                    }

                    if (route.Interaction == EntryInteraction.Update && resource.Id != route.Id)
                    {
                        throw new FhirException(StatusCodes.Status400BadRequest, resource.Id is null ? OperationOutcome.IssueType.Required : OperationOutcome.IssueType.Invalid,
                            resource.Id is null
                                ? "An update needs the resource's id, equal to the id in request.url."
                                : $"The resource's id '{resource.Id}' differs from the id in request.url.",
                            $"{resource.TypeName}.id");
                    }

                    if (route.Interaction == EntryInteraction.ConditionalUpdate && resource.Id is { } ownId)
                    {
                        ResourceIds.Require(ownId);
                    }

                    work.Resource = resource;
                    work.IfMatch = VersionOf(request.IfMatch, "request.ifMatch");
                    if (route.Interaction == EntryInteraction.Create && !string.IsNullOrWhiteSpace(request.IfNoneExist))
                    {
                        registry.Require(route.ResourceType!, FhirInteraction.ConditionalCreate);
                        work.IfNoneExist = ConditionOf(route.ResourceType!, request.IfNoneExist);
                        search.ParseCondition(route.ResourceType!, work.IfNoneExist);
                    }

                    break;
                case EntryInteraction.Delete or EntryInteraction.ConditionalDelete:
                    work.IfMatch = VersionOf(request.IfMatch, "request.ifMatch");
                    break;
                case EntryInteraction.Patch or EntryInteraction.ConditionalPatch:
                    work.Patch = entry.Resource switch
                    {
                        Binary { ContentType: var contentType, Data: { } data } when string.Equals(contentType, JsonPatch.MediaType, StringComparison.OrdinalIgnoreCase) =>
                            new PatchResourceHandler.PatchDocument(data, null),
                        Parameters parameters => new PatchResourceHandler.PatchDocument(null, parameters),
                        _ => throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                            $"A PATCH entry holds a FHIRPath Patch (Parameters) or a JSON Patch (Binary of {JsonPatch.MediaType}).", "resource"),
                    };
                    work.IfMatch = VersionOf(request.IfMatch, "request.ifMatch");
                    break;
                case EntryInteraction.Search:
                    work.Search = parser.Parse(route.ResourceType!, route.QueryParameters, context.StrictHandling);
                    break;
                case EntryInteraction.Read:
                    work.IfNoneMatch = string.IsNullOrWhiteSpace(request.IfNoneMatch) ? null : VersionOf(request.IfNoneMatch, null);
                    work.IfModifiedSince = request.IfModifiedSince;
                    break;
            }

            if (route.IsConditional)
            {
                search.ParseCondition(route.ResourceType!, route.Query);
            }

            return work;
        }
        catch (FhirException failure)
        {
            throw EntryFailure.At(index, entry.Resource?.TypeName, failure);
        }
    }

    private async System.Threading.Tasks.Task RunAsync(List<EntryWork> work, BundleContext context, CancellationToken cancellationToken)
    {
        // Stable: entries of one kind keep their order.
        var ordered = work.OrderBy(w => w.Route.ProcessingOrder).ToList();
        var references = new EntryReferences();
        var changeConditions = new Dictionary<string, EntryWork>(StringComparer.Ordinal);
        var createConditions = new Dictionary<string, EntryWork>(StringComparer.Ordinal);
        var changed = new Dictionary<string, EntryWork>(StringComparer.Ordinal);
        var conditionalReferences = new Dictionary<string, string>(StringComparer.Ordinal);
        var settlingCreates = false;
        // What a resource this transaction writes is matched with for _lastUpdated, until it is
        // written: the instant its write will get, to the millisecond.
        var now = writer.Now();

        // 1. Identities of the entries that change a resource, before anything is written.
        // Conditional creates wait for step 3: they may find what these entries write.
        foreach (var entry in ordered.Where(w => w.Route.IsWrite && !w.IsConditionalCreate))
        {
            await GuardAsync(entry, async () =>
            {
                var type = entry.Route.ResourceType!;
                if (entry.Route.IsConditional && changeConditions.TryGetValue(type + entry.Route.Query, out var earlier))
                {
                    throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Duplicate,
                        $"Entries {earlier.Index.ToString(CultureInfo.InvariantCulture)} and {entry.Index.ToString(CultureInfo.InvariantCulture)} " +
                        "have the same condition; a transaction changes a resource once.");
                }

                switch (entry.Route.Interaction)
                {
                    case EntryInteraction.Delete or EntryInteraction.Update or EntryInteraction.Patch:
                        entry.Id = entry.Route.Id;
                        break;
                    case EntryInteraction.ConditionalDelete:
                        entry.Current = await search.FindConditionalAsync(type, entry.Route.Query, cancellationToken);
                        entry.CurrentKnown = true;
                        entry.Id = entry.Current?.LogicalId;
                        break;
                    case EntryInteraction.ConditionalUpdate:
                        var match = await search.FindConditionalAsync(type, entry.Route.Query, cancellationToken);
                        entry.Id = UpdateResourceHandler.ConditionalTargetId(type, match, entry.Resource!.Id);
                        entry.Current = match;
                        entry.CurrentKnown = match is not null || entry.Resource!.Id is null;
                        break;
                    case EntryInteraction.ConditionalPatch:
                        entry.Current = await search.FindConditionalAsync(type, entry.Route.Query, cancellationToken) ?? throw PatchResourceHandler.NoMatch(type);
                        entry.CurrentKnown = true;
                        entry.Id = entry.Current.LogicalId;
                        break;
                    case EntryInteraction.Create:
                        entry.Id = ResourceWriter.NewId();
                        break;
                }

                entry.Writes = entry.Route.Interaction is not (EntryInteraction.Delete or EntryInteraction.ConditionalDelete);
                if (entry.Route.IsConditional)
                {
                    changeConditions.Add(type + entry.Route.Query, entry);
                }

                if (entry.Entry.FullUrl is { Length: > 0 } fullUrl && entry.Resource is not null)
                {
                    references.Add(fullUrl, $"{type}/{entry.Id}");
                }

                if (entry.Id is { } id && !changed.TryAdd(StoredResource.KeyOf(type, id), entry))
                {
                    throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Duplicate,
                        $"Entries {changed[StoredResource.KeyOf(type, id)].Index.ToString(CultureInfo.InvariantCulture)} and " +
                        $"{entry.Index.ToString(CultureInfo.InvariantCulture)} both change {type}/{id}; a transaction changes a resource once.");
                }
            });
        }

        foreach (var entry in ordered.Where(w => w.IsConditionalCreate))
        {
            if (entry.Entry.FullUrl is { Length: > 0 } fullUrl)
            {
                references.AddUnsettled(fullUrl, entry.Index);
            }
        }

        // 2. The current versions of everything changed or read, in one round trip; patches applied to them.
        var keys = work
            .Where(w => !w.CurrentKnown && w.Id is not null && w.Route.IsWrite && w.Route.Interaction != EntryInteraction.Create)
            .Select(w => StoredResource.KeyOf(w.Route.ResourceType!, w.Id!))
            .Concat(work.Where(w => w.Route.Interaction == EntryInteraction.Read).Select(w => StoredResource.KeyOf(w.Route.ResourceType!, w.Route.Id!)))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        IReadOnlyDictionary<string, StoredResource> current = keys.Count == 0
            ? new Dictionary<string, StoredResource>(StringComparer.Ordinal)
            : await store.ReadManyAsync(keys, cancellationToken);
        foreach (var entry in ordered.Where(w => !w.CurrentKnown && w.Id is not null && w.Route.IsWrite && w.Route.Interaction != EntryInteraction.Create))
        {
            entry.Current = current.GetValueOrDefault(StoredResource.KeyOf(entry.Route.ResourceType!, entry.Id!));
        }

        foreach (var entry in ordered.Where(w => w.Patch is not null))
        {
            await GuardAsync(entry, async () =>
            {
                var (type, id) = (entry.Route.ResourceType!, entry.Id!);
                await writer.AuthorizeAsync(type, id, WriteKind.Patch, entry.Current, cancellationToken);
                if (entry.Current is null)
                {
                    throw FhirException.NotFound(type, id);
                }

                entry.Resource = entry.Current.IsDeleted ? throw StoredResponses.Gone(type, id) : patches.Apply(entry.Patch!, entry.Current, type, id);
            });
        }

        // 3. Conditional creates, in order: each finds what the transaction writes (the entries of
        // step 1, and conditional creates before it that create) and what is stored (as this
        // transaction leaves it), and creates only when that is nothing.
        settlingCreates = true;
        foreach (var entry in ordered.Where(w => w.IsConditionalCreate))
        {
            await GuardAsync(entry, async () =>
            {
                var type = entry.Route.ResourceType!;
                if (createConditions.TryGetValue(type + entry.IfNoneExist, out var same))
                {
                    // The same condition again finds what the first one settled on.
                    (entry.Id, entry.Matched, entry.Found) = (same.Id, same.Matched, same.Writes ? same : same.Found);
                }
                else
                {
                    var (stored, written) = await MatchAsync(type, entry.IfNoneExist!);
                    if ((stored is null ? 0 : 1) + written.Count > 1)
                    {
                        throw new FhirException(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.MultipleMatches,
                            $"The condition matches more than one {type}: {MatchesNamed(stored, written)}.");
                    }

                    entry.Found = written.SingleOrDefault();
                    entry.Matched = stored;
                    entry.Id = entry.Found?.Id ?? stored?.LogicalId ?? ResourceWriter.NewId();
                    entry.Writes = entry.Found is null && stored is null;
                    createConditions.Add(type + entry.IfNoneExist, entry);
                }

                if (entry.Entry.FullUrl is { Length: > 0 } fullUrl)
                {
                    references.Add(fullUrl, $"{type}/{entry.Id}");
                }
            });
        }

        settlingCreates = false;

        // 4. The writes, in processing order, with references rewritten to the identities of steps 1 and 3.
        var writes = new List<ResourceWrite>();
        var pending = new Dictionary<string, StoredResource>(StringComparer.Ordinal);
        foreach (var entry in ordered.Where(w => w.Route.IsWrite))
        {
            await GuardAsync(entry, async () =>
            {
                var type = entry.Route.ResourceType!;
                switch (entry.Route.Interaction)
                {
                    case EntryInteraction.Delete or EntryInteraction.ConditionalDelete:
                        if (entry.Id is not null)
                        {
                            await writer.AuthorizeAsync(type, entry.Id, WriteKind.Delete, entry.Current, cancellationToken);
                        }

                        if (entry.IfMatch is { } expected && (entry.Current is null || entry.Current.IsDeleted || entry.Current.VersionId != expected))
                        {
                            throw new FhirException(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.Conflict,
                                $"{type}/{entry.Id} is not at version {expected} (ifMatch).");
                        }

                        entry.Write = entry.Id is null ? null : writer.Delete(type, entry.Id, entry.Current);
                        break;
                    case EntryInteraction.Create when !entry.Writes:
                        break;
                    case EntryInteraction.Create:
                        await RewriteReferencesAsync(entry);
                        entry.Write = writer.Create(entry.Resource!, entry.Id!);
                        entry.Created = true;
                        break;
                    case EntryInteraction.Patch or EntryInteraction.ConditionalPatch:
                        await RewriteReferencesAsync(entry);
                        (entry.Write, _) = await writer.UpdateAsync(entry.Resource!, entry.Id!, entry.Current, entry.IfMatch ?? entry.Current!.VersionId, cancellationToken);
                        break;
                    default:
                        await RewriteReferencesAsync(entry);
                        (entry.Write, entry.Created) = await writer.UpdateAsync(entry.Resource!, entry.Id!, entry.Current, entry.IfMatch, cancellationToken);
                        break;
                }

                if (entry.Write is { } write)
                {
                    writes.Add(write);
                    pending[write.Resource.Id] = write.Resource;
                }
            });
        }

        // 5. Reads see the Bundle's own writes; a read that fails, fails a transaction before it commits.
        foreach (var entry in ordered.Where(w => w.Route.Interaction is EntryInteraction.Read or EntryInteraction.Vread))
        {
            await GuardAsync(entry, async () => entry.Result = entry.Route.Interaction == EntryInteraction.Read
                ? await ReadResultAsync(entry, pending, current, context, cancellationToken)
                : await VreadResultAsync(entry, pending, context, cancellationToken));
        }

        await ConcurrentWrites.CommitAsync(store, writes, cancellationToken);

        // 6. Searches and histories run after the commit, so they find what the Bundle wrote. Search
        // parameters were checked before it; should one still fail (a history with a bad parameter),
        // the writes stand and its entry says so.
        foreach (var entry in work)
        {
            if (entry.Result is not null)
            {
                continue;
            }

            try
            {
                entry.Result = await ResultAsync(entry, context, cancellationToken);
            }
            catch (FhirException failure)
            {
                entry.Result = EntryResult.Failed(EntryFailure.At(entry.Index, entry.Route.ResourceType, failure));
            }
        }

        async Task<string> ResolveConditionalReferenceAsync(string type, string query)
        {
            var reference = type + query;
            if (conditionalReferences.TryGetValue(reference, out var resolved))
            {
                return resolved;
            }

            if (!registry.InteractionsOf(type).Contains(FhirInteraction.SearchType))
            {
                throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                    $"A conditional reference names {(type.Length <= 64 ? type : "a type")}, which is not a resource type this server searches.");
            }

            if (settlingCreates)
            {
                // Its answer could change with the conditional creates still to settle.
                throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.NotSupported,
                    $"A condition on a reference parameter needs a conditional reference to {type} resolved before the transaction's " +
                    "conditional creates are settled; match by other parameters here.");
            }

            var (stored, written) = await MatchAsync(type, query);
            var matches = (stored is null ? 0 : 1) + written.Count;
            resolved = matches switch
            {
                0 => throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.NotFound,
                    $"A conditional reference to {type} matches no resource."),
                1 => stored?.Id ?? StoredResource.KeyOf(type, written[0].Id!),
                _ => throw new FhirException(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.MultipleMatches,
                    $"A conditional reference to {type} matches more than one resource: {MatchesNamed(stored, written)}."),
            };
            conditionalReferences[reference] = resolved;
            return resolved;
        }

        // The resources a condition matches: among those this transaction writes (in memory, as
        // written), and among the stored ones it leaves alone (in the database; one that it
        // changes counts as written or deleted, not as it was). A stored match comes back only
        // when there is one; two are 412 already.
        async Task<(StoredResource? Stored, List<EntryWork> Written)> MatchAsync(string type, string condition)
        {
            var query = search.ParseCondition(type, condition);
            var matcher = new SearchMatcher(query);
            var written = new List<EntryWork>();
            foreach (var candidate in ordered.Where(w => w.Writes && w.Route.ResourceType == type))
            {
                if (matcher.DependsOnReferences)
                {
                    await RewriteReferencesAsync(candidate);
                }

                candidate.SearchValues ??= indexer.Extract(candidate.Resource!);
                if (matcher.Matches(candidate.Id!, candidate.Write?.Resource.LastUpdated.UtcDateTime ?? now, candidate.SearchValues))
                {
                    written.Add(candidate);
                }
            }

            var changedIds = changed.Values.Where(w => w.Route.ResourceType == type && w.Route.Interaction != EntryInteraction.Create).Select(w => w.Id!).ToList();
            if (changedIds.Count > 0)
            {
                query.Conditions.Add(new SearchCondition(CommonParameters.Id, "not", changedIds));
            }

            return (await search.FindConditionalAsync(query, cancellationToken), written);
        }

        // An entry's references to other entries and its conditional references, rewritten once,
        // when it is written or, earlier, when a condition on a reference parameter must read them.
        async System.Threading.Tasks.Task RewriteReferencesAsync(EntryWork entry)
        {
            switch (entry.References)
            {
                case ReferenceState.Rewritten:
                    return;
                case ReferenceState.Rewriting:
                    throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.NotSupported,
                        $"Resolving a conditional reference on a reference parameter needs the references of entry {entry.Index.ToString(CultureInfo.InvariantCulture)} " +
                        "resolved first, which need that conditional reference (a cycle); match by other parameters here.");
            }

            entry.References = ReferenceState.Rewriting;
            await references.RewriteAsync(entry.Resource!, entry.Entry.FullUrl, ResolveConditionalReferenceAsync);
            entry.References = ReferenceState.Rewritten;
            entry.SearchValues = null;
        }
    }

    /// <summary>The matches of an ambiguous condition, for its 412: keys, and the Bundle entries that write them.</summary>
    private static string MatchesNamed(StoredResource? stored, List<EntryWork> written) => string.Join(", ",
        (stored is null ? [] : new[] { stored.Id }).Concat(written.Select(w => $"entry {w.Index.ToString(CultureInfo.InvariantCulture)}")));

    private async Task<EntryResult> ReadResultAsync(EntryWork entry, Dictionary<string, StoredResource> pending, IReadOnlyDictionary<string, StoredResource> current, BundleContext context, CancellationToken cancellationToken)
    {
        var (type, id) = (entry.Route.ResourceType!, entry.Route.Id!);
        var key = StoredResource.KeyOf(type, id);
        var stored = pending.GetValueOrDefault(key) ?? current.GetValueOrDefault(key);
        if (stored is null || !await disclosure.MayDiscloseAsync(stored, cancellationToken))
        {
            throw FhirException.NotFound(type, id);
        }

        if (stored.IsDeleted)
        {
            throw StoredResponses.Gone(type, id);
        }

        var unchanged = (entry.IfNoneMatch is { } seen && seen == stored.VersionId)
            || (entry.IfModifiedSince is { } since && stored.LastUpdated < since.AddSeconds(1));
        return unchanged ? EntryResult.NotModified(stored) : EntryResult.Read(await shaper.ShapeAsync(stored, "read", cancellationToken), context);
    }

    private async Task<EntryResult> VreadResultAsync(EntryWork entry, Dictionary<string, StoredResource> pending, BundleContext context, CancellationToken cancellationToken)
    {
        var (type, id, versionId) = (entry.Route.ResourceType!, entry.Route.Id!, entry.Route.Version!.Value);
        var version = pending.GetValueOrDefault(StoredResource.KeyOf(type, id)) is { } written && written.VersionId == versionId
            ? written.ToVersion()
            : await store.ReadVersionAsync(type, id, versionId, cancellationToken);
        var label = $"{id}/_history/{versionId.ToString(CultureInfo.InvariantCulture)}";
        if (version is null || !await disclosure.MayDiscloseAsync(version, cancellationToken))
        {
            throw FhirException.NotFound(type, label);
        }

        return version.IsDeleted ? throw StoredResponses.Gone(type, label) : EntryResult.Read(await shaper.ShapeAsync(version, "vread", cancellationToken), context);
    }

    /// <summary>The response entry of an entry once the Bundle's writes are committed.</summary>
    private async Task<EntryResult> ResultAsync(EntryWork entry, BundleContext context, CancellationToken cancellationToken)
    {
        switch (entry.Route.Interaction)
        {
            case EntryInteraction.Search:
                return EntryResult.Found(await search.SearchBundleAsync(entry.Search!, context.BaseUrl, cancellationToken));
            case EntryInteraction.HistoryInstance or EntryInteraction.HistoryType or EntryInteraction.HistorySystem:
                var result = await history.HandleAsync(HistoryRequest(context.Request, entry.Route.Query), entry.Route.ResourceType, entry.Route.Id, cancellationToken);
                return EntryResult.Found(result.Json!);
            case EntryInteraction.Delete or EntryInteraction.ConditionalDelete:
                return EntryResult.Deleted(entry.Write?.Resource.VersionId);
            // A conditional create's stored match is served, so it is disclosed like a read: shaped and audited.
            case EntryInteraction.Create when entry.Matched is { } existing:
                return EntryResult.Written(await shaper.ShapeAsync(existing, "read", cancellationToken), StatusCodes.Status200OK, context);
            // One the transaction writes comes back as that entry's write does.
            case EntryInteraction.Create when entry.Found is { } writer:
                return EntryResult.Written(await shaper.ShapeWrittenAsync(writer.Write!.Resource, context.Return, cancellationToken), StatusCodes.Status200OK, context);
            // What the Bundle wrote comes back shaped like a read (return=representation only).
            default:
                return EntryResult.Written(await shaper.ShapeWrittenAsync(entry.Write!.Resource, context.Return, cancellationToken),
                    entry.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK, context);
        }
    }

    /// <summary>The history handler reads its parameters from a request; this one carries the entry's.</summary>
    private static HttpRequest HistoryRequest(HttpRequest outer, string query)
    {
        var context = new DefaultHttpContext { RequestServices = outer.HttpContext.RequestServices };
        context.Request.Scheme = outer.Scheme;
        context.Request.Host = outer.Host;
        context.Request.PathBase = outer.PathBase;
        context.Request.QueryString = query.Length > 1 ? new QueryString(query) : QueryString.Empty;
        return context.Request;
    }

    private static async System.Threading.Tasks.Task GuardAsync(EntryWork entry, Func<System.Threading.Tasks.Task> step)
    {
        try
        {
            await step();
        }
        catch (FhirException failure)
        {
            throw EntryFailure.At(entry.Index, entry.Route.ResourceType, failure);
        }
    }

    /// <summary><c>identifier=x</c> from <c>identifier=x</c>, <c>?identifier=x</c> or <c>Patient?identifier=x</c>.</summary>
    private static string ConditionOf(string resourceType, string ifNoneExist)
    {
        var condition = ifNoneExist.Trim();
        if (condition.StartsWith(resourceType + "?", StringComparison.Ordinal))
        {
            condition = condition[(resourceType.Length + 1)..];
        }

        return "?" + condition.TrimStart('?');
    }

    /// <summary>The version of an ETag (<c>W/"3"</c>); an entry with an ifMatch that is not one is refused.</summary>
    private static long? VersionOf(string? etag, string? field)
    {
        if (string.IsNullOrWhiteSpace(etag))
        {
            return null;
        }

        var text = etag.Trim();
        if (text.StartsWith("W/", StringComparison.Ordinal))
        {
            text = text[2..];
        }

        if (long.TryParse(text.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > 0)
        {
            return version;
        }

        return field is null
            ? null
            : throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                $"{field} must be a version ETag such as W/\"3\".", field);
    }

    /// <summary>One entry on its way through <see cref="RunAsync"/>.</summary>
    private sealed class EntryWork(int index, Bundle.EntryComponent entry, BundleEntryRoute route)
    {
        public int Index { get; } = index;

        public Bundle.EntryComponent Entry { get; } = entry;

        public BundleEntryRoute Route { get; } = route;

        public Resource? Resource { get; set; }

        /// <summary>The logical id the entry writes or deletes (or a conditional create finds); null for reads and for a conditional delete that matched nothing.</summary>
        public string? Id { get; set; }

        /// <summary>Whether the entry writes <see cref="Resource"/> under <see cref="Id"/> (a create, update or patch; not a conditional create that found one).</summary>
        public bool Writes { get; set; }

        public bool IsConditionalCreate => Route.Interaction == EntryInteraction.Create && IfNoneExist is not null;

        /// <summary>Where the entry's references stand: rewritten once, before it is written or when a condition needs them.</summary>
        public ReferenceState References { get; set; }

        /// <summary>The search values of <see cref="Resource"/> as it stands, for matching conditions; cleared when its references are rewritten.</summary>
        public SearchIndex? SearchValues { get; set; }

        public StoredResource? Current { get; set; }

        /// <summary>Whether <see cref="Current"/> is known already (a conditional interaction found it), so it is not read again.</summary>
        public bool CurrentKnown { get; set; }

        /// <summary>The stored resource a conditional create found, so nothing is created.</summary>
        public StoredResource? Matched { get; set; }

        /// <summary>The entry writing the resource a conditional create found, so nothing is created.</summary>
        public EntryWork? Found { get; set; }

        public long? IfMatch { get; set; }

        public string? IfNoneExist { get; set; }

        public long? IfNoneMatch { get; set; }

        public DateTimeOffset? IfModifiedSince { get; set; }

        public SearchQuery? Search { get; set; }

        public PatchResourceHandler.PatchDocument? Patch { get; set; }

        public ResourceWrite? Write { get; set; }

        public bool Created { get; set; }

        public EntryResult? Result { get; set; }
    }

    private enum ReferenceState
    {
        Pending,
        Rewriting,
        Rewritten,
    }
}
