namespace SeSPHR.Conformance.Infrastructure;

/// <summary>
/// A test that crashes servers or reads their databases: it runs only when the suite started the
/// system itself, and is reported as skipped against a deployed system (SESPHR_FHIR_URL set).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ManagedSystemFactAttribute : FactAttribute
{
    public ManagedSystemFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("SESPHR_FHIR_URL") is { Length: > 0 })
        {
            Skip = "needs a system this suite started itself (SESPHR_FHIR_URL is set)";
        }
    }
}
