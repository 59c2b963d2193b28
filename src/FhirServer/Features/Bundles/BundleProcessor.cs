using System.Globalization;
using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Features.Access;
using SeSPHR.FhirServer.Features.Operations.Patch;
using SeSPHR.FhirServer.Features.Resources;
using SeSPHR.FhirServer.Features.Resources.History;
using SeSPHR.FhirServer.Features.Resources.Search;
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
                        work.IfNoneExist = ConditionOf(route.ResourceType!, request.IfNoneExist);
                        parser.Parse(route.ResourceType!, QueryParameters(work.IfNoneExist), strict: true);
                    }

                    break;
                case EntryInteraction.Delete or EntryInteraction.ConditionalDelete:
                    work.IfMatch = VersionOf(request.IfMatch, "request.ifMatch");
                    break;
                case EntryInteraction.Patch:
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

            if (route.Interaction is EntryInteraction.ConditionalUpdate or EntryInteraction.ConditionalDelete)
            {
                parser.Parse(route.ResourceType!, route.QueryParameters, strict: true);
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
        var conditions = new Dictionary<string, EntryWork>(StringComparer.Ordinal);
        var touched = new Dictionary<string, EntryWork>(StringComparer.Ordinal);

        // 1. Identities: which resource each entry is about, before anything is written.
        foreach (var entry in ordered.Where(w => w.Route.IsWrite))
        {
            await GuardAsync(entry, async () =>
            {
                var type = entry.Route.ResourceType!;
                var condition = entry.IfNoneExist ?? (entry.Route.Interaction is EntryInteraction.ConditionalUpdate or EntryInteraction.ConditionalDelete ? entry.Route.Query : null);
                EntryWork? earlier = null;
                if (condition is not null && conditions.TryGetValue(type + condition, out earlier)
                    && !(entry.IfNoneExist is not null && earlier.IfNoneExist is not null))
                {
                    // Which of the two is meant to find the other's resource? Only repeated conditional creates agree.
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
                        if (match is not null && entry.Resource!.Id is { } ownId && ownId != match.LogicalId)
                        {
                            throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                                $"The resource's id '{ownId}' differs from the id of the {type} the condition matches.", $"{type}.id");
                        }

                        entry.Id = match?.LogicalId ?? entry.Resource!.Id ?? ResourceWriter.NewId();
                        entry.Current = match;
                        entry.CurrentKnown = match is not null || entry.Resource!.Id is null;
                        break;
                    case EntryInteraction.Create when earlier is not null:
                        entry.SameAs = earlier;
                        entry.Id = earlier.Id;
                        break;
                    case EntryInteraction.Create when entry.IfNoneExist is not null:
                        entry.Matched = await search.FindConditionalAsync(type, entry.IfNoneExist, cancellationToken);
                        entry.Id = entry.Matched?.LogicalId ?? ResourceWriter.NewId();
                        break;
                    case EntryInteraction.Create:
                        entry.Id = ResourceWriter.NewId();
                        break;
                }

                if (entry.Entry.FullUrl is { Length: > 0 } fullUrl && entry.Resource is not null)
                {
                    references.Add(fullUrl, $"{type}/{entry.Id}");
                }

                if (condition is not null)
                {
                    conditions.TryAdd(type + condition, entry);
                }

                // An entry changes its resource, or (a conditional create that found one) answers with it.
                if (entry.Id is not null && (entry.Route.Interaction != EntryInteraction.Create || entry.Matched is not null))
                {
                    var key = StoredResource.KeyOf(type, entry.Id);
                    if (touched.TryGetValue(key, out var other) && (other.Matched is null || entry.Matched is null))
                    {
                        throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Duplicate,
                            $"Entries {other.Index.ToString(CultureInfo.InvariantCulture)} and {entry.Index.ToString(CultureInfo.InvariantCulture)} " +
                            $"both refer to {key}, and one changes it; a transaction changes a resource once.");
                    }

                    touched.TryAdd(key, entry);
                }
            });
        }

        // 2. The current versions of everything updated, deleted or read, in one round trip.
        var keys = work
            .Where(w => !w.CurrentKnown && w.Id is not null && w.Route.IsWrite && w.Route.Interaction != EntryInteraction.Create)
            .Select(w => StoredResource.KeyOf(w.Route.ResourceType!, w.Id!))
            .Concat(work.Where(w => w.Route.Interaction == EntryInteraction.Read).Select(w => StoredResource.KeyOf(w.Route.ResourceType!, w.Route.Id!)))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        IReadOnlyDictionary<string, StoredResource> current = keys.Count == 0
            ? new Dictionary<string, StoredResource>(StringComparer.Ordinal)
            : await store.ReadManyAsync(keys, cancellationToken);

        // 3. The writes, in processing order, with references rewritten to the identities of step 1.
        var conditionalReferences = new Dictionary<string, string>(StringComparer.Ordinal);
        var ownTokens = new Dictionary<EntryWork, List<TokenValue>>();
        var writes = new List<ResourceWrite>();
        var pending = new Dictionary<string, StoredResource>(StringComparer.Ordinal);
        foreach (var entry in ordered.Where(w => w.Route.IsWrite))
        {
            await GuardAsync(entry, async () =>
            {
                var type = entry.Route.ResourceType!;
                if (!entry.CurrentKnown && entry.Id is not null)
                {
                    entry.Current = current.GetValueOrDefault(StoredResource.KeyOf(type, entry.Id));
                }

                switch (entry.Route.Interaction)
                {
                    case EntryInteraction.Delete or EntryInteraction.ConditionalDelete:
                        if (entry.IfMatch is { } expected && (entry.Current is null || entry.Current.IsDeleted || entry.Current.VersionId != expected))
                        {
                            throw new FhirException(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.Conflict,
                                $"{type}/{entry.Id} is not at version {expected} (ifMatch).");
                        }

                        entry.Write = entry.Id is null ? null : writer.Delete(type, entry.Id, entry.Current);
                        break;
                    case EntryInteraction.Create when entry.Matched is not null || entry.SameAs is not null:
                        break;
                    case EntryInteraction.Create:
                        await references.RewriteAsync(entry.Resource!, entry.Entry.FullUrl, ResolveConditionalReferenceAsync);
                        entry.Write = writer.Create(entry.Resource!, entry.Id!);
                        entry.Created = true;
                        break;
                    case EntryInteraction.Patch:
                        if (entry.Current is null || !await disclosure.MayDiscloseAsync(entry.Current, cancellationToken))
                        {
                            throw FhirException.NotFound(type, entry.Id!);
                        }

                        if (entry.Current.IsDeleted)
                        {
                            throw StoredResponses.Gone(type, entry.Id!);
                        }

                        var patched = patches.Apply(entry.Patch!, entry.Current, type, entry.Id!);
                        await references.RewriteAsync(patched, entry.Entry.FullUrl, ResolveConditionalReferenceAsync);
                        (entry.Write, _) = writer.Update(patched, entry.Id!, entry.Current, entry.IfMatch ?? entry.Current.VersionId);
                        break;
                    default:
                        await references.RewriteAsync(entry.Resource!, entry.Entry.FullUrl, ResolveConditionalReferenceAsync);
                        (entry.Write, entry.Created) = writer.Update(entry.Resource!, entry.Id!, entry.Current, entry.IfMatch);
                        break;
                }

                if (entry.Write is { } write)
                {
                    writes.Add(write);
                    pending[write.Resource.Id] = write.Resource;
                }
            });
        }

        // 4. Reads see the Bundle's own writes; a read that fails, fails a transaction before it commits.
        foreach (var entry in ordered.Where(w => w.Route.Interaction is EntryInteraction.Read or EntryInteraction.Vread))
        {
            await GuardAsync(entry, async () => entry.Result = entry.Route.Interaction == EntryInteraction.Read
                ? await ReadResultAsync(entry, pending, current, context, cancellationToken)
                : await VreadResultAsync(entry, pending, context, cancellationToken));
        }

        await ConcurrentWrites.CommitAsync(store, writes, cancellationToken);

        // 5. Searches and histories run after the commit, so they find what the Bundle wrote. Search
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

            // The resources this transaction writes count as much as those stored before it.
            var matches = OwnMatches(type, query).ToHashSet(StringComparer.Ordinal);
            if (await search.FindConditionalAsync(type, query, cancellationToken) is { } stored)
            {
                matches.Add(stored.Id);
            }

            resolved = matches.Count switch
            {
                0 => throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.NotFound,
                    $"A conditional reference to {type} matches no resource."),
                1 => matches.First(),
                _ => throw new FhirException(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.MultipleMatches,
                    $"A conditional reference to {type} matches more than one resource."),
            };
            conditionalReferences[reference] = resolved;
            return resolved;
        }

        // The keys of the entries that write a resource of the type matching the condition, when the
        // condition holds only token parameters and _id (identifier, the usual case); other
        // conditions are matched against the database alone (README: "What does not work yet").
        IEnumerable<string> OwnMatches(string type, string query)
        {
            var condition = parser.Parse(type, QueryParameters(query), strict: true);
            if (!condition.Conditions.All(c => ReferenceEquals(c.Parameter, CommonParameters.Id)
                    || (c.Parameter.Type == Hl7.Fhir.Model.SearchParamType.Token && c.Modifier is null)))
            {
                yield break;
            }

            foreach (var entry in ordered.Where(w => w.Route.ResourceType == type && w.Resource is not null && w.Id is not null
                         && w.Matched is null && w.SameAs is null
                         && w.Route.Interaction is EntryInteraction.Create or EntryInteraction.Update or EntryInteraction.ConditionalUpdate))
            {
                if (!ownTokens.TryGetValue(entry, out var tokens))
                {
                    tokens = indexer.Extract(entry.Resource!).Tokens;
                    ownTokens[entry] = tokens;
                }

                if (condition.Conditions.All(c => ReferenceEquals(c.Parameter, CommonParameters.Id)
                        ? c.Values.Contains(entry.Id!, StringComparer.Ordinal)
                        : c.Values.Select(TokenCriterion.Parse).Any(criterion =>
                            tokens.Any(token => c.Parameter.Storage.Parameters.Contains(token.Parameter) && criterion.Matches(token)))))
                {
                    yield return StoredResource.KeyOf(type, entry.Id!);
                }
            }
        }
    }

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
            // A conditional create's match is served, so it is disclosed like a read: shaped and audited.
            case EntryInteraction.Create when entry.SameAs is { Write: null, Matched: { } matched }:
                return EntryResult.Written(await shaper.ShapeAsync(matched, "read", cancellationToken), StatusCodes.Status200OK, context);
            case EntryInteraction.Create when entry.SameAs is { } earlier:
                return EntryResult.Written(await shaper.ShapeWrittenAsync(earlier.Write!.Resource, context.Return, cancellationToken), StatusCodes.Status200OK, context);
            case EntryInteraction.Create when entry.Matched is { } existing:
                return EntryResult.Written(await shaper.ShapeAsync(existing, "read", cancellationToken), StatusCodes.Status200OK, context);
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

    private static IEnumerable<KeyValuePair<string, string>> QueryParameters(string query) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query)
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? "")));

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

        /// <summary>The logical id the entry writes or deletes; null for reads and for a conditional delete that matched nothing.</summary>
        public string? Id { get; set; }

        public StoredResource? Current { get; set; }

        /// <summary>Whether <see cref="Current"/> is known already (a conditional interaction found it), so it is not read again.</summary>
        public bool CurrentKnown { get; set; }

        /// <summary>The resource a conditional create found, so nothing is created.</summary>
        public StoredResource? Matched { get; set; }

        /// <summary>An earlier entry of the Bundle with the same conditional create, which this one repeats.</summary>
        public EntryWork? SameAs { get; set; }

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
}
