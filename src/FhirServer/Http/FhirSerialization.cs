using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Xml;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;

namespace SeSPHR.FhirServer.Http;

/// <summary>
/// Parses request bodies into Firely POCOs and writes POCOs back, in JSON or XML. Parsing is
/// strict: a body that is not well-formed, not FHIR, or not of the expected type is refused with
/// an OperationOutcome that names each problem and its location.
/// </summary>
public sealed partial class FhirSerialization
{
    private readonly FhirJsonDeserializer _jsonDeserializer = new(new DeserializerSettings().UsingMode(DeserializationMode.Strict));
    private readonly FhirXmlDeserializer _xmlDeserializer = new(new DeserializerSettings().UsingMode(DeserializationMode.Strict));
    private readonly FhirJsonDeserializer _storedDeserializer = new(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));
    private readonly BaseFhirJsonSerializer _jsonSerializer = new(ModelInfo.ModelInspector);
    private readonly BaseFhirXmlSerializer _xmlSerializer = new(ModelInfo.ModelInspector);

    /// <summary>Parses a body that must hold a resource of type <paramref name="expectedType"/>.</summary>
    public Resource ParseResource(ReadOnlySpan<byte> body, FhirFormat format, string expectedType)
    {
        var resource = ParseResource(body, format);
        if (resource.TypeName != expectedType)
        {
            throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                $"The body holds a {resource.TypeName}, but the URL names {expectedType}.", "resourceType");
        }

        return resource;
    }

    public Resource ParseResource(ReadOnlySpan<byte> body, FhirFormat format)
    {
        if (body.IsEmpty)
        {
            throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Required, "The request body is empty.");
        }

        Resource? resource;
        IEnumerable<CodedException>? errors;
        try
        {
            if (format == FhirFormat.Json)
            {
                var reader = new Utf8JsonReader(body);
                _jsonDeserializer.TryDeserializeResource(ref reader, out resource, out errors);
            }
            else
            {
                using var xml = XmlReader.Create(new StringReader(Encoding.UTF8.GetString(body)), SafeXmlSettings);
                _xmlDeserializer.TryDeserializeResource(xml, out resource, out errors);
            }
        }
        catch (JsonException)
        {
            throw Malformed(format);
        }
        catch (XmlException)
        {
            throw Malformed(format);
        }
        catch (Exception unreadable) when (unreadable is not OperationCanceledException)
        {
            // The parser runs on untrusted bytes; whatever it trips over is the body's fault, and
            // its message may quote the body, so the client gets a fixed text.
            throw new FhirException(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Structure, "The body is not a FHIR resource.");
        }

        var problems = errors?.ToList() ?? [];
        if (problems.Count > 0 || resource is null)
        {
            throw new FhirException(StatusCodes.Status400BadRequest, ToOutcome(problems, format, resource?.TypeName));
        }

        return resource;
    }

    public byte[] SerializeToJsonUtf8(Base instance)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            _jsonSerializer.Serialize(instance, writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Serialises with a filter (_summary, _elements).</summary>
    public string SerializeToJson(Base instance, Func<SerializationFilter> filter)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            _jsonSerializer.Serialize(instance, writer, filter);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Parses JSON this server wrote itself (stored resources and Bundles), leniently.</summary>
    public Resource ParseStored(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        return _storedDeserializer.DeserializeResource(ref reader);
    }

    public byte[] SerializeToXmlUtf8(Base instance)
    {
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false) }))
        {
            _xmlSerializer.Serialize(instance, writer);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// FHIR JSON is served as application/fhir+json, never embedded in HTML, so only what JSON itself
    /// requires is escaped (a '+' in a timestamp stays a '+').
    /// </summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>XML without DTDs or external entities (no XXE).</summary>
    private static readonly XmlReaderSettings SafeXmlSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
    };

    private static FhirException Malformed(FhirFormat format) =>
        new(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Structure,
            format == FhirFormat.Json ? "The body is not well-formed JSON." : "The body is not well-formed XML.");

    private static OperationOutcome ToOutcome(List<CodedException> problems, FhirFormat format, string? rootType)
    {
        var outcome = new OperationOutcome();
        if (problems.Count == 0)
        {
            outcome.Issue.Add(FhirException.OutcomeOf(OperationOutcome.IssueType.Structure, "The body is not a FHIR resource.", null).Issue[0]);
        }

        foreach (var problem in problems.Take(100))
        {
            var syntax = problem.ErrorCode is "JSON101" or "JSON102" or "JSON103" || problem.ErrorCode.StartsWith("XML1", StringComparison.Ordinal);
            var extended = problem as ExtendedCodedException;
            var location = Located(extended?.InstancePath, rootType);
            outcome.Issue.Add(new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Error,
                Code = syntax ? OperationOutcome.IssueType.Structure : OperationOutcome.IssueType.Invalid,
                Details = new CodeableConcept("http://hl7.org/fhir/dotnet-api-operation-outcome", problem.ErrorCode),
                Diagnostics = syntax ? Malformed(format).Message : WithoutValues(extended?.BaseErrorMessage ?? problem.Message, location),
                Expression = location is { Length: > 0 } path ? [path] : [],
            });
        }

        return outcome;
    }

    /// <summary>
    /// A missing required element of the resource itself is reported at <c>$this.status</c>, every
    /// other problem from the resource type down (<c>Patient.communication[0].language</c>): the
    /// answer uses the latter form throughout.
    /// </summary>
    private static string? Located(string? path, string? rootType) =>
        path is not null && rootType is not null && path.StartsWith("$this", StringComparison.Ordinal)
            ? rootType + path["$this".Length..]
            : path;

    /// <summary>
    /// The parser quotes offending literals ("string 'x' is not a correct literal for a date");
    /// such a literal may be a protected value sent in clear, so only a quoted element name (the
    /// last step of the location) survives in the answer.
    /// </summary>
    private static string WithoutValues(string message, string? location)
    {
        var element = location?.Split('.').LastOrDefault()?.Split('[')[0];
        return QuotedText().Replace(message, match => match.Groups[1].Value == element ? match.Value : "(value withheld)");
    }

    [System.Text.RegularExpressions.GeneratedRegex("'([^']*)'")]
    private static partial System.Text.RegularExpressions.Regex QuotedText();
}
