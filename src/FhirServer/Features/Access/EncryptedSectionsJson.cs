using System.Text.Json;
using System.Text.Json.Nodes;
using SeSPHR.Crypto.Envelopes;
using SeSPHR.FhirServer.Http;
using SeSPHR.Phr.Envelopes;

namespace SeSPHR.FhirServer.Features.Access;

/// <summary>
/// The encrypted-section extensions of a stored resource, read and edited in its JSON without the
/// FHIR model: parsing a whole resource into POCOs (with the model's validation) and serialising it
/// again cost the FhirServer more per served envelope than the rest of the read. The shape is
/// <see cref="EncryptedSectionExtension"/>'s; an extension that does not have it exactly (a part
/// missing, repeated or of the wrong type, an envelope whose header does not parse) is reported as
/// unreadable, so the caller withholds it as the model's reader would have.
/// </summary>
public sealed class EncryptedSectionsJson
{
    // Types that are not DomainResources carry no top-level extension: served as stored.
    private static readonly HashSet<string> NotDomainResources = new(["Bundle", "Binary", "Parameters"], StringComparer.Ordinal);

    // Escaped as the server's serializer writes (FhirSerialization.WriterOptions): base64's '+' stays '+'.
    private static readonly JsonSerializerOptions Written = new() { Encoder = FhirSerialization.WriterOptions.Encoder };

    private readonly JsonObject _resource;
    private readonly JsonArray? _extensions;

    private EncryptedSectionsJson(JsonObject resource)
    {
        _resource = resource;
        _extensions = resource["extension"] as JsonArray;
    }

    /// <summary>The resource's sections, or null when <paramref name="json"/> is not a DomainResource (nothing to shape).</summary>
    public static EncryptedSectionsJson? Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return JsonNode.Parse(json) is JsonObject resource
            && resource["resourceType"]?.GetValueKind() == JsonValueKind.String
            && !NotDomainResources.Contains(resource["resourceType"]!.GetValue<string>())
            ? new EncryptedSectionsJson(resource)
            : null;
    }

    /// <summary>The encrypted-section extensions, in order, with stored cfrags already removed from each (they are never served).</summary>
    public IReadOnlyList<Section> Sections()
    {
        var sections = new List<Section>();
        foreach (var node in _extensions?.ToList() ?? [])
        {
            if (node is JsonObject extension && extension["url"] is JsonValue url && url.GetValueKind() == JsonValueKind.String
                && url.GetValue<string>() == EncryptedSectionExtension.Url)
            {
                var parts = extension["extension"] as JsonArray;
                foreach (var part in parts?.Where(p => UrlOf(p) == EncryptedSectionExtension.CapsuleFragmentUrl).ToList() ?? [])
                {
                    parts!.Remove(part);
                }

                sections.Add(new Section(this, extension, SectionCode(parts), RelayHeaderOf(parts)));
            }
        }

        return sections;
    }

    /// <summary>The resource as JSON, with the edits made.</summary>
    public string ToJson()
    {
        // FHIR allows no empty array: a resource whose every extension was withheld has none.
        if (_extensions is { Count: 0 })
        {
            _resource.Remove("extension");
        }

        return _resource.ToJsonString(Written);
    }

    private static string? UrlOf(JsonNode? part) =>
        part is JsonObject { } obj && obj["url"] is JsonValue url && url.GetValueKind() == JsonValueKind.String ? url.GetValue<string>() : null;

    private static string? SectionCode(JsonArray? parts) =>
        parts?.Where(p => UrlOf(p) == EncryptedSectionExtension.SectionUrl).ToList() is [JsonObject only]
            && only["valueCode"] is JsonValue code && code.GetValueKind() == JsonValueKind.String
            ? code.GetValue<string>()
            : null;

    // The parts EncryptedSectionExtension.FromExtension requires, each exactly once with its type,
    // then the envelope's own header (section, epoch, capsule), unchecked: the SRS checks the capsule.
    private static RelayHeader? RelayHeaderOf(JsonArray? parts)
    {
        if (parts is null)
        {
            return null;
        }

        var required = new[]
        {
            (EncryptedSectionExtension.SectionUrl, "valueCode", JsonValueKind.String),
            (EncryptedSectionExtension.EpochUrl, "valueUnsignedInt", JsonValueKind.Number),
            (EncryptedSectionExtension.AlgorithmUrl, "valueString", JsonValueKind.String),
            (EncryptedSectionExtension.EnvelopeUrl, "valueBase64Binary", JsonValueKind.String),
            (EncryptedSectionExtension.WriterUrl, "valueBase64Binary", JsonValueKind.String),
        };
        string? envelope = null;
        foreach (var (url, property, kind) in required)
        {
            if (parts.Where(p => UrlOf(p) == url).ToList() is not [JsonObject only] || only[property] is not JsonValue value || value.GetValueKind() != kind)
            {
                return null;
            }

            if (url == EncryptedSectionExtension.EnvelopeUrl)
            {
                envelope = value.GetValue<string>();
            }
        }

        if (parts.Count(p => UrlOf(p) == EncryptedSectionExtension.WriterUmbralKeyUrl) > 1)
        {
            return null;
        }

        try
        {
            return SectionEnvelope.ReadRelayHeader(Convert.FromBase64String(envelope!));
        }
#pragma warning disable CA1031 // an envelope we cannot read is not served; which exception the parsers throw does not matter
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    /// <summary>One encrypted-section extension: its section code and envelope header (null when unreadable), and the two edits a read makes.</summary>
    public sealed class Section
    {
        private readonly EncryptedSectionsJson _owner;
        private readonly JsonObject _extension;

        internal Section(EncryptedSectionsJson owner, JsonObject extension, string? code, RelayHeader? header)
        {
            _owner = owner;
            _extension = extension;
            Code = code;
            Header = header;
        }

        /// <summary>The section code the extension names (the one Consent is decided on), or null.</summary>
        public string? Code { get; }

        /// <summary>The envelope's header, or null when the extension or its envelope is malformed.</summary>
        public RelayHeader? Header { get; }

        /// <summary>The extension leaves the resource (a section the caller may not read, or one the SRS refused).</summary>
        public void Withhold() => _owner._extensions!.Remove(_extension);

        /// <summary>Adds a cfrag for the caller (base64, as FHIR's base64Binary).</summary>
        public void AddCapsuleFragment(string base64)
        {
            var parts = _extension["extension"] as JsonArray ?? throw new InvalidOperationException("A readable section has parts.");
            parts.Add(new JsonObject
            {
                ["url"] = EncryptedSectionExtension.CapsuleFragmentUrl,
                ["valueBase64Binary"] = base64,
            });
        }
    }
}
