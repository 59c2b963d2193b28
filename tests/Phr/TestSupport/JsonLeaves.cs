using System.Text.Json;

namespace SeSPHR.Phr.Tests.TestSupport;

/// <summary>The string and number leaves (and property names) of a JSON document.</summary>
public static class JsonLeaves
{
    public static IReadOnlyList<string> Strings(string json) => Collect(json, JsonValueKind.String);

    public static IReadOnlyList<string> Numbers(string json) => Collect(json, JsonValueKind.Number);

    public static IReadOnlyList<string> PropertyNames(string json)
    {
        using var document = JsonDocument.Parse(json);
        var names = new List<string>();
        Walk(document.RootElement, element =>
        {
            if (element.ValueKind == JsonValueKind.Object)
            {
                names.AddRange(element.EnumerateObject().Select(property => property.Name));
            }
        });
        return names;
    }

    private static List<string> Collect(string json, JsonValueKind kind)
    {
        using var document = JsonDocument.Parse(json);
        var leaves = new List<string>();
        Walk(document.RootElement, element =>
        {
            if (element.ValueKind == kind)
            {
                leaves.Add(kind == JsonValueKind.String ? element.GetString()! : element.GetRawText());
            }
        });
        return leaves;
    }

    private static void Walk(JsonElement element, Action<JsonElement> visit)
    {
        visit(element);
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Walk(property.Value, visit);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, visit);
                }

                break;
            default:
                break;
        }
    }
}
