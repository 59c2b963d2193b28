using System.Text.Json;
using System.Text.Json.Serialization;

namespace SeSPHR.Srs.Security;

/// <summary>
/// One rule for every string the SRS accepts: no NUL (PostgreSQL's text cannot hold it), no lone
/// surrogate (not encodable as UTF-8; in a URL or form, bytes that were not UTF-8), and no longer
/// than the largest field of its kind. It is
/// checked where strings enter, not per endpoint: the path, every query and form value (the OAuth
/// endpoints read forms before any endpoint runs) by <see cref="UseStorableInput"/>, and every
/// string of a JSON body by the serializer's string converter. A refused request gets 400
/// problem+json whose title quotes nothing it was sent.
/// </summary>
public static class StorableInput
{
    /// <summary>The longest path, query or form value: a client assertion or PKCE verifier is far below it.</summary>
    public const int MaxUrlValueLength = 4096;

    /// <summary>The longest JSON string: the wrapped key backup (64 KiB in base64) is the largest field.</summary>
    public const int MaxJsonStringLength = 96 * 1024;

    public const string Refusal = "A value holds a character that cannot be stored (NUL or a lone surrogate) or is too long.";

    public static bool IsStorable(string? value, int maxLength)
    {
        if (value is null)
            return true;
        if (value.Length > maxLength)
            return false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0')
                return false;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                i++;
            else if (char.IsSurrogate(c))
                return false;
        }

        return true;
    }

    public static IServiceCollection AddStorableInput(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.Converters.Add(new StorableStringConverter()));

    /// <summary>Refuses a request whose path, query or form holds a value that <see cref="IsStorable"/> refuses.</summary>
    public static IApplicationBuilder UseStorableInput(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            if (await IsStorableAsync(http.Request))
            {
                await next(http);
                return;
            }

            await Problems.Of(StatusCodes.Status400BadRequest, Refusal).ExecuteAsync(http);
        });

    // A URL or form value is percent-encoded UTF-8; bytes that are not UTF-8 (such as an encoded
    // lone surrogate) decode to U+FFFD, which no identifier, secret or token of the SRS holds.
    private static bool IsUrlValue(string? value) =>
        IsStorable(value, MaxUrlValueLength) && value?.Contains('\uFFFD', StringComparison.Ordinal) != true;

    private static async Task<bool> IsStorableAsync(HttpRequest request)
    {
        if (!IsUrlValue(request.Path.Value)
            || !request.Query.All(pair => IsUrlValue(pair.Key) && pair.Value.All(IsUrlValue)))
            return false;
        if (!request.HasFormContentType)
            return true;
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        }
        catch (InvalidDataException)
        {
            return false;
        }

        return form.All(pair => IsUrlValue(pair.Key) && pair.Value.All(IsUrlValue));
    }

    /// <summary>Reads JSON strings as the default does, and refuses one that <see cref="IsStorable"/> refuses as malformed JSON (400).</summary>
    private sealed class StorableStringConverter : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var value = reader.GetString();
            return IsStorable(value, MaxJsonStringLength) ? value : throw new JsonException(Refusal);
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}
