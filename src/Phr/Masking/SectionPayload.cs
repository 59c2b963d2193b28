using SeSPHR.Phr.Sections;

namespace SeSPHR.Phr.Masking;

/// <summary>
/// The protected elements of one resource in one section, as plaintext: what the crypto layer
/// seals into a section envelope bound to (<see cref="ResourceType"/>, <see cref="ResourceId"/>,
/// <see cref="Section"/>). <see cref="Content"/> is UTF-8 JSON in the format
/// <c>sesphr-section-payload/1</c>:
/// <code>
/// {"format":"sesphr-section-payload/1","section":"vitals","resourceType":"Observation","id":"…",
///  "confidentialityLabelAdded":true,"elements":{"resourceType":"Observation", …protected elements…}}
/// </code>
/// <c>elements</c> is a partial resource of the same type in FHIR JSON holding exactly the
/// protected elements (and, for an allow-listed element that carried protected detail, its whole
/// original value). The header repeats the binding so that a payload cannot be merged into
/// another resource even before the envelope authenticates it.
/// </summary>
public sealed record SectionPayload(PhrSection Section, string ResourceType, string? ResourceId, byte[] Content);

/// <summary>The result of a split: the clear part to store in the cloud and one payload per section.</summary>
public sealed record SplitResult(Hl7.Fhir.Model.Resource Clear, IReadOnlyList<SectionPayload> Payloads);
