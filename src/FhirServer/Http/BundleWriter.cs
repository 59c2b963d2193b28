using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SeSPHR.FhirServer.Http;

/// <summary>
/// Writes a Bundle as FHIR JSON, embedding stored resources as they are (no parse and
/// re-serialise on the hot path of searches and history).
/// </summary>
public sealed class BundleWriter : IDisposable
{
    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    private readonly Utf8JsonWriter _json;
    private bool _entriesOpen;

    public BundleWriter(string type, long? total, IEnumerable<(string Relation, string Url)> links)
    {
        _json = new Utf8JsonWriter(_buffer, FhirSerialization.WriterOptions);
        _json.WriteStartObject();
        _json.WriteString("resourceType", "Bundle");
        _json.WriteString("id", Guid.NewGuid().ToString());
        _json.WriteStartObject("meta");
        _json.WriteString("lastUpdated", DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffK", CultureInfo.InvariantCulture));
        _json.WriteEndObject();
        _json.WriteString("type", type);
        if (total is { } count)
        {
            _json.WriteNumber("total", count);
        }

        var linkList = links.ToList();
        if (linkList.Count > 0)
        {
            _json.WriteStartArray("link");
            foreach (var (relation, url) in linkList)
            {
                _json.WriteStartObject();
                _json.WriteString("relation", relation);
                _json.WriteString("url", url);
                _json.WriteEndObject();
            }

            _json.WriteEndArray();
        }
    }

    /// <summary>
    /// Adds an entry; <paramref name="resourceJson"/> and <paramref name="responseOutcomeJson"/> (the
    /// OperationOutcome of a batch or transaction response entry) are embedded verbatim.
    /// </summary>
    public void AddEntry(string? fullUrl, string? resourceJson, string? searchMode = null, (string Method, string Url)? request = null, (string Status, string? Location, string? Etag, DateTime? LastModified)? response = null, string? responseOutcomeJson = null)
    {
        if (!_entriesOpen)
        {
            _json.WriteStartArray("entry");
            _entriesOpen = true;
        }

        _json.WriteStartObject();
        if (fullUrl is not null)
        {
            _json.WriteString("fullUrl", fullUrl);
        }

        if (resourceJson is not null)
        {
            _json.WritePropertyName("resource");
            _json.WriteRawValue(resourceJson, skipInputValidation: true);
        }

        if (searchMode is not null)
        {
            _json.WriteStartObject("search");
            _json.WriteString("mode", searchMode);
            _json.WriteEndObject();
        }

        if (request is { } r)
        {
            _json.WriteStartObject("request");
            _json.WriteString("method", r.Method);
            _json.WriteString("url", r.Url);
            _json.WriteEndObject();
        }

        if (response is { } s)
        {
            _json.WriteStartObject("response");
            _json.WriteString("status", s.Status);
            if (s.Location is not null)
            {
                _json.WriteString("location", s.Location);
            }

            if (s.Etag is not null)
            {
                _json.WriteString("etag", s.Etag);
            }

            if (s.LastModified is { } modified)
            {
                _json.WriteString("lastModified", new DateTimeOffset(modified, TimeSpan.Zero).ToString("yyyy-MM-ddTHH:mm:ss.fffK", CultureInfo.InvariantCulture));
            }

            if (responseOutcomeJson is not null)
            {
                _json.WritePropertyName("outcome");
                _json.WriteRawValue(responseOutcomeJson, skipInputValidation: true);
            }

            _json.WriteEndObject();
        }

        _json.WriteEndObject();
    }

    public string Finish()
    {
        if (_entriesOpen)
        {
            _json.WriteEndArray();
        }

        _json.WriteEndObject();
        _json.Flush();
        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }

    public void Dispose() => _json.Dispose();
}
