using System.Text;

namespace SeSPHR.SystemTests.InsiderThreat;

/// <summary>
/// Looks for a secret in what an insider can read (database dumps, logs) in every encoding a leak
/// could take: the bytes themselves, UTF-16, hex in either case, and base64 (standard and URL-safe)
/// at each of the three alignments the value can have inside a longer encoded blob. For base64 only
/// the characters that depend on the value alone are searched, so a value embedded at any offset of
/// a larger base64 string is still found.
/// </summary>
public static class LeakSearch
{
    /// <summary>The forms of a text value (its UTF-8 bytes, and also its UTF-16 form).</summary>
    public static IReadOnlyList<(string Encoding, byte[] Pattern)> FormsOfText(string value)
    {
        var forms = FormsOfBytes(Encoding.UTF8.GetBytes(value)).ToList();
        forms.Insert(1, ("utf-16", Encoding.Unicode.GetBytes(value)));
        return forms;
    }

    /// <summary>The forms of a binary secret (a key scalar, a kfrag).</summary>
    public static IReadOnlyList<(string Encoding, byte[] Pattern)> FormsOfBytes(byte[] value)
    {
        var forms = new List<(string, byte[])>
        {
            ("raw", value),
            ("hex", Encoding.ASCII.GetBytes(Convert.ToHexStringLower(value))),
            ("HEX", Encoding.ASCII.GetBytes(Convert.ToHexString(value))),
        };
        for (var offset = 0; offset < 3; offset++)
        {
            var encoded = Convert.ToBase64String([.. new byte[offset], .. value]);
            // The first group mixes in the preceding bytes unless the value starts it; the last
            // group mixes in whatever follows.
            var core = encoded[(offset == 0 ? 0 : 4)..(encoded.Length - 4)];
            forms.Add(($"base64+{offset}", Encoding.ASCII.GetBytes(core)));
            forms.Add(($"base64url+{offset}", Encoding.ASCII.GetBytes(core.Replace('+', '-').Replace('/', '_'))));
        }

        return forms;
    }

    /// <summary>Each (source, encoding) in which one of the forms occurs; empty when the secret is nowhere.</summary>
    public static IReadOnlyList<string> Find(IReadOnlyList<(string Encoding, byte[] Pattern)> forms, IReadOnlyDictionary<string, byte[]> sources) =>
        (from source in sources
         from form in forms
         where source.Value.AsSpan().IndexOf(form.Pattern) >= 0
         select $"{form.Encoding} in {source.Key}").ToList();
}
