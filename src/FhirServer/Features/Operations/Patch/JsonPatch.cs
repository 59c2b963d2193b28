using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using SeSPHR.FhirServer.Http;

namespace SeSPHR.FhirServer.Features.Operations.Patch;

/// <summary>
/// JSON Patch (RFC 6902) over a JSON document, with JSON Pointer paths (RFC 6901). The operations
/// apply in order to a copy, so a patch that fails half-way changes nothing. A document that is
/// not a patch is refused with 400; a patch that cannot be applied to this resource (a path that
/// is not there, a failed <c>test</c>) with 422.
/// </summary>
public static class JsonPatch
{
    public const string MediaType = "application/json-patch+json";

    // RFC 6902 A.13: an operation with two "op" members is an error, not the last one winning.
    private static readonly JsonDocumentOptions StrictJson = new() { AllowDuplicateProperties = false };

    /// <summary>Applies <paramref name="patch"/> (the request body) to <paramref name="document"/> and returns the result.</summary>
    public static JsonNode Apply(JsonNode document, ReadOnlySpan<byte> patch)
    {
        var operations = Parse(patch);
        var root = document.DeepClone();
        for (var i = 0; i < operations.Count; i++)
        {
            root = ApplyOne(root, operations[i], i);
        }

        return root;
    }

    private static List<JsonObject> Parse(ReadOnlySpan<byte> patch)
    {
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(patch, documentOptions: StrictJson);
        }
        catch (JsonException)
        {
            throw Malformed("The body is not well-formed JSON, or an object in it repeats a member.", null);
        }

        if (parsed is not JsonArray array)
        {
            throw Malformed("A JSON Patch document is an array of operations.", null);
        }

        var operations = new List<JsonObject>(array.Count);
        foreach (var item in array)
        {
            operations.Add(item as JsonObject ?? throw Malformed("Each JSON Patch operation is an object.", null));
        }

        return operations;
    }

    private static JsonNode ApplyOne(JsonNode root, JsonObject operation, int index)
    {
        var op = RequiredString(operation, "op", index);
        var path = Pointer.Parse(RequiredString(operation, "path", index), index);
        switch (op)
        {
            case "add":
                return Add(root, path, RequiredValue(operation, index), index);
            case "remove":
                Remove(root, path, index);
                return root;
            case "replace":
                var replacement = RequiredValue(operation, index);
                Remove(root, path, index);
                return Add(root, path, replacement, index);
            case "move":
                var from = Pointer.Parse(RequiredString(operation, "from", index), index);
                if (from.IsProperPrefixOf(path))
                {
                    throw Malformed($"Operation {index}: a value cannot be moved into one of its own children.", index);
                }

                return Add(root, path, Remove(root, from, index), index);
            case "copy":
                var source = Pointer.Parse(RequiredString(operation, "from", index), index);
                return Add(root, path, Resolve(root, source, index)?.DeepClone(), index);
            case "test":
                var expected = RequiredValue(operation, index);
                if (!JsonNode.DeepEquals(Resolve(root, path, index), expected))
                {
                    throw Unprocessable($"Operation {index} (test): the value at '{path}' is not the expected value.", index);
                }

                return root;
            default:
                throw Malformed($"Operation {index}: '{op}' is not a JSON Patch operation (add, remove, replace, move, copy, test).", index);
        }
    }

    private static JsonNode Add(JsonNode root, Pointer path, JsonNode? value, int index)
    {
        if (path.IsRoot)
        {
            return value ?? throw Unprocessable($"Operation {index}: the document cannot be replaced by null.", index);
        }

        var parent = Resolve(root, path.Parent, index);
        switch (parent)
        {
            case JsonObject obj:
                obj[path.Last] = value;
                return root;
            case JsonArray array:
                var position = path.Last == "-" ? array.Count : ArrayIndex(path.Last, array.Count, inclusive: true, path, index);
                array.Insert(position, value);
                return root;
            default:
                throw Unprocessable($"Operation {index}: '{path.Parent}' is not an object or an array.", index);
        }
    }

    private static JsonNode? Remove(JsonNode root, Pointer path, int index)
    {
        if (path.IsRoot)
        {
            throw Unprocessable($"Operation {index}: the whole document cannot be removed.", index);
        }

        var parent = Resolve(root, path.Parent, index);
        switch (parent)
        {
            case JsonObject obj:
                if (!obj.Remove(path.Last, out var removed))
                {
                    throw Unprocessable($"Operation {index}: there is no value at '{path}'.", index);
                }

                return removed;
            case JsonArray array:
                var position = ArrayIndex(path.Last, array.Count, inclusive: false, path, index);
                var item = array[position];
                array.RemoveAt(position);
                return item;
            default:
                throw Unprocessable($"Operation {index}: there is no value at '{path}'.", index);
        }
    }

    private static JsonNode? Resolve(JsonNode root, Pointer path, int index)
    {
        JsonNode? current = root;
        foreach (var token in path.Tokens)
        {
            current = current switch
            {
                JsonObject obj when obj.TryGetPropertyValue(token, out var child) => child,
                JsonArray array => array[ArrayIndex(token, array.Count, inclusive: false, path, index)],
                _ => throw Unprocessable($"Operation {index}: there is no value at '{path}'.", index),
            };
        }

        return current;
    }

    /// <summary>An array index per RFC 6901 section 4: decimal digits, no leading zeros.</summary>
    private static int ArrayIndex(string token, int count, bool inclusive, Pointer path, int index)
    {
        if (token.Length == 0 || (token.Length > 1 && token[0] == '0') || !token.All(char.IsAsciiDigit)
            || !int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var position))
        {
            throw Unprocessable($"Operation {index}: '{token}' in '{path}' is not an array index.", index);
        }

        return position < count || (inclusive && position == count)
            ? position
            : throw Unprocessable($"Operation {index}: index {position} in '{path}' is out of range.", index);
    }

    private static string RequiredString(JsonObject operation, string member, int index) =>
        operation.TryGetPropertyValue(member, out var value) && value is JsonValue text && text.TryGetValue<string>(out var result)
            ? result
            : throw Malformed($"Operation {index} needs a string '{member}'.", index);

    private static JsonNode? RequiredValue(JsonObject operation, int index) =>
        operation.TryGetPropertyValue("value", out var value)
            ? value?.DeepClone()
            : throw Malformed($"Operation {index} needs a 'value'.", index);

    private static FhirException Malformed(string message, int? index) =>
        new(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, message, Location(index));

    private static FhirException Unprocessable(string message, int index) =>
        new(StatusCodes.Status422UnprocessableEntity, OperationOutcome.IssueType.Processing, message, Location(index));

    private static string? Location(int? index) => index is { } i ? $"/{i.ToString(CultureInfo.InvariantCulture)}" : null;

    /// <summary>A parsed JSON Pointer: its reference tokens with <c>~1</c> and <c>~0</c> decoded.</summary>
    private sealed class Pointer
    {
        private readonly string _text;

        private Pointer(string text, IReadOnlyList<string> tokens)
        {
            _text = text;
            Tokens = tokens;
        }

        public IReadOnlyList<string> Tokens { get; }

        public bool IsRoot => Tokens.Count == 0;

        public string Last => Tokens[^1];

        public Pointer Parent => new(_text[.._text.LastIndexOf('/')], Tokens.Take(Tokens.Count - 1).ToList());

        public static Pointer Parse(string text, int index)
        {
            if (text.Length == 0)
            {
                return new Pointer(text, []);
            }

            if (text[0] != '/')
            {
                throw Malformed($"Operation {index}: '{text}' is not a JSON Pointer (it starts with '/').", index);
            }

            var tokens = new List<string>();
            foreach (var raw in text[1..].Split('/'))
            {
                for (var i = raw.IndexOf('~', StringComparison.Ordinal); i >= 0; i = raw.IndexOf('~', i + 1))
                {
                    if (i + 1 >= raw.Length || raw[i + 1] is not ('0' or '1'))
                    {
                        throw Malformed($"Operation {index}: '{text}' has a '~' that is not ~0 or ~1.", index);
                    }
                }

                tokens.Add(raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
            }

            return new Pointer(text, tokens);
        }

        public bool IsProperPrefixOf(Pointer other) =>
            other.Tokens.Count > Tokens.Count && Tokens.Select((token, i) => token == other.Tokens[i]).All(same => same);

        public override string ToString() => _text;
    }
}
