using System.Text;
using System.Text.RegularExpressions;

namespace SeSPHR.SystemTests.Fuzz;

/// <summary>
/// Deterministic mutations of request text: the same seed gives the same requests, so a failure
/// the fuzz run reports can be replayed. Mutations aim at what has broken servers before: text a
/// database cannot hold, dates at the ends of the calendar, numbers out of range, broken syntax,
/// deep nesting, and garbled tokens.
/// </summary>
public sealed partial class Mutator(int seed)
{
    private readonly Random _random = new(seed);

    /// <summary>Strings as they appear inside a JSON string literal (already escaped).</summary>
    private static readonly string[] EvilJsonStrings =
    [
        @"\u0000", @"a\u0000b", @"\ud800", @"\udfff", @"x\udbffy", @"\ud83d\ude00", @"\u0001\u001f", @"\\", @"\""",
        "9999-12-31T23:59:59.999+14:00", "9999-12-31T23:59:59.999-14:00", "0001-01-01T00:00:00+14:00", "0000-00-00", "9999", "10000-01-01",
        "2020-02-30", "2020-01-01T24:00:00Z", "2020-01-01T10:00:00.12345678901234567890Z", "-1", "1e400", "NaN", "",
        "Patient/", "Patient/a/b/c", "urn:uuid:", "#", "http://", "%00", "%ED%A0%80", "' OR 1=1 --", "<script>x</script>",
        "\u202Eevil", "ZZZZ", "Bearer x",
    ];

    private static readonly string[] EvilNumbers = ["1e400", "-1e400", "99999999999999999999999999999", "-0", "0.0000000000000000000000000001", "1E-400", "2147483648", "-9223372036854775809", "1.0e", "01"];

    /// <summary>Search values, already percent-encoded where they need to be.</summary>
    private static readonly string[] EvilQueryValues =
    [
        "%00", "a%00b", "%ED%A0%80", "%FF%FE", "%C0%80", "%", "%%", "%zz", "9999", "9999-12-31", "9999-12-31T23:59:59.999%2B14:00", "9999-12-31T23:59:59.999-14:00",
        "0001", "0001-01-01T00:00:00%2B14:00", "0000", "eq10000", "ge9999", "le0001", "sa9999-12-31T23:59:59Z", "eb0001-01-01", "ap9999", "gt-1",
        "2020-01-01T10:00:00.123456789012345678901234567890Z", "|", "a|b|c", "%7C%7C", "\\,", "x\\", "Patient/", "Patient/x/_history/1",
        "http://x/fhir/Patient/1", "-1", "2147483648", "99999999999999999999", "1e99", "NaN", "%27%20OR%201%3D1--", "*", ",,,", "Patient:subject:Patient",
        "eyJTbmFwc2hvdCI6Ijk5OTktMTItMzFUMjM6NTk6NTkiLCJTb3J0S2V5IjoiMDAwMS0wMS0wMSIsIklkIjoiXHUwMDAwIiwiQmFja3dhcmRzIjp0cnVlfQ", "AAAA", "____",
    ];

    public int Next(int max) => _random.Next(max);

    public T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    public bool Chance(double probability) => _random.NextDouble() < probability;

    /// <summary>A long value to find length limits, of incompressible text so that indexes see its full size.</summary>
    public string LongText(int length)
    {
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            text.Append((char)_random.Next('a', 'z' + 1));
        }

        return text.ToString();
    }

    public string EvilQueryValue() => Chance(0.1) ? LongText(Pick([300, 3000, 9000])) : Pick(EvilQueryValues);

    /// <summary>One to three mutations of a JSON body's text.</summary>
    public string MutateJson(string json)
    {
        var rounds = 1 + _random.Next(3);
        for (var round = 0; round < rounds; round++)
        {
            json = _random.Next(10) switch
            {
                0 or 1 or 2 => ReplaceOne(json, JsonString(), m => $"\"{(Chance(0.1) ? LongText(Pick([300, 3000, 9000])) : Pick(EvilJsonStrings))}\""),
                3 => ReplaceOne(json, JsonNumber(), _ => Pick(EvilNumbers)),
                4 => ReplaceOne(json, JsonString(), _ => Pick(["null", "[]", "{}", "1", "true", "[null]", "{\"a\":1}"])),
                5 => ReplaceOne(json, ResourceType(), _ => $"\"resourceType\":\"{Pick(["Patient", "Observation", "Bundle", "Nothing", "", "Parameters", "AuditEvent", "Consent"])}\""),
                6 => Nest(json),
                _ => MutateText(json),
            };
        }

        return json;
    }

    /// <summary>One to three mutations of an XML body's text.</summary>
    public string MutateXml(string xml)
    {
        var rounds = 1 + _random.Next(3);
        for (var round = 0; round < rounds; round++)
        {
            xml = _random.Next(8) switch
            {
                0 or 1 => ReplaceOne(xml, XmlValue(), _ => $"value=\"{Pick(["&#0;", "&#xD800;", "a&#x1;b", "9999-12-31T23:59:59.999+14:00", "0000", "&amp;&lt;", "&bogus;", "\u0000", LongText(3000)])}\""),
                2 => "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\"><!ENTITY y \"&x;&x;\">]>" + xml,
                3 => xml.Replace("xmlns=\"http://hl7.org/fhir\"", Pick(["", "xmlns=\"http://example.org\"", "xmlns=\"http://hl7.org/fhir\" xmlns:x=\"urn:x\" x:y=\"1\""]), StringComparison.Ordinal),
                4 => ReplaceOne(xml, XmlValue(), _ => "value=\"<![CDATA[x]]>\""),
                _ => MutateText(xml),
            };
        }

        return xml;
    }

    /// <summary>Blind edits: insert, delete, duplicate, truncate, or flip a character.</summary>
    public string MutateText(string text)
    {
        if (text.Length == 0)
        {
            return Pick(["{", "<", "\u0000", "[]"]);
        }

        var at = _random.Next(text.Length);
        var span = Math.Min(text.Length - at, 1 + _random.Next(40));
        return _random.Next(5) switch
        {
            0 => text.Insert(at, Pick(["{", "}", "[", "]", "\"", ",", ":", "<", ">", "/", "\\", "\u0000", "\uFFFF", "\u00e9", "&", "'", "\n"])),
            1 => text.Remove(at, span),
            2 => text.Insert(at, text.Substring(at, span)),
            3 => text[..at],
            _ => text[..at] + (char)(text[at] ^ (1 << _random.Next(7))) + text[(at + 1)..],
        };
    }

    /// <summary>A garbled bearer token made from a real one: a flipped character, a truncated or swapped part, "alg":"none", or junk.</summary>
    public (string Description, string? Header) GarbleToken(string token)
    {
        var parts = token.Split('.');
        return _random.Next(9) switch
        {
            0 => ("no token", null),
            1 => ("flipped character", "Bearer " + Flip(token)),
            2 => ("truncated", "Bearer " + token[..Math.Max(1, _random.Next(token.Length))]),
            3 => ("alg none", "Bearer " + Base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + (parts.Length > 1 ? parts[1] : "") + "."),
            4 => ("swapped header and payload", "Bearer " + (parts.Length > 2 ? $"{parts[1]}.{parts[0]}.{parts[2]}" : token)),
            5 => ("junk", "Bearer " + Pick(["", "x", "a.b.c", "....", LongText(9000), "eyJ", "%00", "null"])),
            6 => ("other scheme", Pick(["Basic YWRtaW46YWRtaW4=", "bearer", "Bearer  " + token, "Token " + token, token])),
            7 => ("forged payload", "Bearer " + (parts.Length > 2 ? $"{parts[0]}.{Base64Url("{\"sub\":\"admin\",\"aud\":[\"sesphr-fhir\",\"sesphr-srs\"],\"scope\":\"system/*.*\",\"exp\":99999999999}")}.{parts[2]}" : token)),
            _ => ("extra segment", $"Bearer {token}.{token[..Math.Min(10, token.Length)]}"),
        };
    }

    private string Flip(string text)
    {
        var at = _random.Next(text.Length);
        var replacement = text[at] == 'A' ? 'B' : 'A';
        return text[..at] + replacement + text[(at + 1)..];
    }

    private static string Base64Url(string text) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private string ReplaceOne(string text, Regex pattern, Func<Match, string> replacement)
    {
        var matches = pattern.Matches(text);
        if (matches.Count == 0)
        {
            return MutateText(text);
        }

        var match = matches[_random.Next(matches.Count)];
        return text[..match.Index] + replacement(match) + text[(match.Index + match.Length)..];
    }

    /// <summary>Buries the body's first object value under deep nesting.</summary>
    private string Nest(string json)
    {
        var depth = Pick([40, 70, 200, 1500]);
        var nested = new StringBuilder();
        nested.Insert(0, "{\"extension\":[", depth).Append("{\"url\":\"x\"}").Insert(nested.Length, "]}", depth);
        var brace = json.IndexOf('{', StringComparison.Ordinal);
        return brace < 0 ? nested.ToString() : json[..(brace + 1)] + "\"extension\":[" + nested + "]," + json[(brace + 1)..];
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"(?!\\s*:)")]
    private static partial Regex JsonString();

    [GeneratedRegex(@"(?<=:\s*)-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")]
    private static partial Regex JsonNumber();

    [GeneratedRegex("\"resourceType\"\\s*:\\s*\"[^\"]*\"")]
    private static partial Regex ResourceType();

    [GeneratedRegex("value=\"[^\"]*\"")]
    private static partial Regex XmlValue();
}
