using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace SeSPHR.Cli.Commands;

/// <summary>
/// Where the CLI writes. Data goes to stdout (a table, or JSON with <c>--json</c> and nothing else);
/// prompts, progress and messages go to stderr, so <c>sesphr show --json | jq</c> always parses.
/// </summary>
internal static class CliConsole
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static IAnsiConsole Out { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });

    public static IAnsiConsole Error { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>A line for the person at the terminal (stderr), as it is: no markup, no wrapping that would split it for a script's grep.</summary>
    public static void Say(string text) => Console.Error.WriteLine(text);

    public static void WriteJson<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>Already serialised JSON (a FHIR resource), written as it is.</summary>
    public static void WriteRawJson(string json) => Console.Out.WriteLine(json);

    public static void WriteTable(Table table) => Out.Write(table);
}
