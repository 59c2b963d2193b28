namespace SeSPHR.SystemTests.Portal;

/// <summary>Every browser test shares one portal system (three processes and a browser take a while to start).</summary>
[CollectionDefinition(Collection)]
public sealed class PortalTests : ICollectionFixture<PortalSystem>
{
    public const string Collection = "portal";
}
