namespace SeSPHR.FhirServer.Search;

/// <summary>
/// The search values of one resource version, extracted from its clear part at write time and
/// stored in typed, indexed tables beside it; queries never look inside the resource body.
/// </summary>
public sealed class SearchIndex
{
    public List<TokenValue> Tokens { get; } = [];

    public List<ReferenceValue> References { get; } = [];

    public List<DateValue> Dates { get; } = [];

    public List<StringValue> Strings { get; } = [];
}

/// <summary>A token: <c>system|code</c>; System is null when the value has none.</summary>
public readonly record struct TokenValue(string Parameter, string? System, string Code);

/// <summary>A reference to <c>TargetType/TargetId</c> (relative, or on this server).</summary>
public readonly record struct ReferenceValue(string Parameter, string TargetType, string TargetId);

public readonly record struct DateValue(string Parameter, DateTime Low, DateTime High);

/// <summary>A string: normalised for matching (case and accents folded), and as written for <c>:exact</c>.</summary>
public readonly record struct StringValue(string Parameter, string Value, string Raw);
