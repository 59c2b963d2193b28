using System.Text;
using System.Text.Json.Nodes;
using SeSPHR.FhirServer.Features.Operations.Patch;
using SeSPHR.FhirServer.Http;

namespace SeSPHR.FhirServer.Tests.Features.Operations;

/// <summary>Known answers: the examples of RFC 6902 Appendix A (vectors/rfc6902-appendix-a.json).</summary>
public sealed class JsonPatchVectorTests
{
    private static readonly Lazy<JsonObject[]> Vectors = new(Load);

    public static TheoryData<string> VectorNames()
    {
        var names = new TheoryData<string>();
        foreach (var vector in Vectors.Value)
        {
            names.Add(vector["name"]!.GetValue<string>());
        }

        return names;
    }

    [Fact]
    public void Given_the_vector_file_When_loaded_Then_it_holds_all_sixteen_examples()
    {
        Vectors.Value.Length.ShouldBe(16);
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Given_an_rfc_6902_example_When_applied_Then_the_result_or_the_error_is_the_rfcs(string name)
    {
        var vector = Vectors.Value.Single(v => v["name"]!.GetValue<string>() == name);
        var document = vector["doc"]!;
        var patch = Encoding.UTF8.GetBytes(vector["patchText"]?.GetValue<string>() ?? vector["patch"]!.ToJsonString());
        var before = document.ToJsonString();

        if (vector["error"] is { } error)
        {
            var refusal = Should.Throw<FhirException>(() => JsonPatch.Apply(document, patch));
            refusal.StatusCode.ShouldBe(error.GetValue<int>());
        }
        else
        {
            var result = JsonPatch.Apply(document, patch);
            JsonNode.DeepEquals(result, vector["expected"]).ShouldBeTrue($"{result.ToJsonString()} is not {vector["expected"]!.ToJsonString()}");
        }

        document.ToJsonString().ShouldBe(before, "the input document is never changed");
    }

    [Fact]
    public void Given_a_patch_failing_at_its_second_operation_When_applied_Then_the_first_is_not_applied_either()
    {
        var document = JsonNode.Parse("""{"a":1}""")!;

        Should.Throw<FhirException>(() => JsonPatch.Apply(document, """[{"op":"add","path":"/b","value":2},{"op":"remove","path":"/c"}]"""u8));

        document.ToJsonString().ShouldBe("""{"a":1}""");
    }

    [Theory]
    [InlineData("""[{"op":"move","from":"/a","path":"/a/b"}]""", 400)]
    [InlineData("""[{"op":"add","path":"/arr/01","value":0}]""", 422)]
    [InlineData("""[{"op":"add","path":"/arr/3","value":0}]""", 422)]
    [InlineData("""[{"op":"remove","path":"/arr/-"}]""", 422)]
    [InlineData("""[{"op":"remove","path":""}]""", 422)]
    [InlineData("""[{"op":"add","path":"/a~2","value":0}]""", 400)]
    [InlineData("""[{"op":"copy","path":"/x"}]""", 400)]
    [InlineData("""[1]""", 400)]
    public void Given_an_operation_the_rfc_forbids_When_applied_Then_it_is_refused(string patch, int status)
    {
        var document = JsonNode.Parse("""{"a":{"b":1},"arr":[1,2]}""")!;

        Should.Throw<FhirException>(() => JsonPatch.Apply(document, Encoding.UTF8.GetBytes(patch))).StatusCode.ShouldBe(status);
    }

    [Fact]
    public void Given_an_add_at_the_end_index_and_a_move_onto_itself_When_applied_Then_both_follow_the_rfc()
    {
        var document = JsonNode.Parse("""{"arr":[1,2]}""")!;

        var result = JsonPatch.Apply(document, """[{"op":"add","path":"/arr/2","value":3},{"op":"move","from":"/arr","path":"/arr"}]"""u8);

        result.ToJsonString().ShouldBe("""{"arr":[1,2,3]}""");
    }

    private static JsonObject[] Load()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "tests", "FhirServer", "Features", "Operations", "vectors", "rfc6902-appendix-a.json");
            if (File.Exists(path))
            {
                return [.. JsonNode.Parse(File.ReadAllText(path))!["vectors"]!.AsArray().Select(v => v!.AsObject())];
            }
        }

        throw new FileNotFoundException("tests/FhirServer/Features/Operations/vectors/rfc6902-appendix-a.json not found above " + AppContext.BaseDirectory);
    }
}
