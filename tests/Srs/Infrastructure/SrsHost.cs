using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SeSPHR.Srs.Tests.Infrastructure;

/// <summary>
/// One in-process SRS over a test database, with every log line it writes captured, a data
/// directory of its own (the enrolment code file), and generous rate limits unless a test sets them.
/// </summary>
public sealed class SrsHost : WebApplicationFactory<Program>
{
    public const string FhirServiceSecret = "test-fhir-service-secret-0123456789";

    /// <summary>The key-encryption key every test SRS seals its keys under unless a test sets another (32 bytes, base64).</summary>
    public static readonly string KeyEncryptionKey = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes("test-key-encryption-key-32-bytes"));
    /// <summary>
    /// The test server has no sockets, so no client address: a request names the address the SRS
    /// should see in this header, read by a middleware at the very front of the pipeline (tests only).
    /// </summary>
    public const string ClientAddressHeader = "X-Test-Client-Address";

    private readonly string _connectionString;
    private readonly IReadOnlyDictionary<string, string?> _settings;

    public SrsHost(string connectionString, string dataDirectory, IReadOnlyDictionary<string, string?>? settings = null)
    {
        _connectionString = connectionString;
        DataDirectory = dataDirectory;
        _settings = settings ?? new Dictionary<string, string?>();
    }

    public string DataDirectory { get; }

    public ConcurrentQueue<string> Log { get; } = new();

    public string EnrolmentCodeFile => Path.Combine(DataDirectory, "enrolment-code");

    /// <summary>A client whose requests come from <paramref name="address"/> as the SRS sees it.</summary>
    public HttpClient ClientAt(string address, HttpClient? client = null)
    {
        client ??= CreateClient();
        client.DefaultRequestHeaders.Add(ClientAddressHeader, address);
        return client;
    }

    /// <summary>A client that keeps cookies and does not follow redirects (the flows read them).</summary>
    public HttpClient Browser() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Srs", _connectionString);
        builder.UseSetting("Srs:DataDirectory", DataDirectory);
        builder.UseSetting("Srs:FhirServiceSecret", FhirServiceSecret);
        builder.UseSetting("Srs:FhirBaseUrl", "http://fhir.test/fhir");
        builder.UseSetting("Srs:KeyEncryptionKey", KeyEncryptionKey);
        foreach (var limit in new[] { "Login", "Registration", "Token", "Authorize", "Kdf", "Caller" })
            builder.UseSetting($"Srs:RateLimits:{limit}:PermitLimit", "10000");
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, ClientAddressFromHeader>());
        builder.ConfigureLogging(logging => logging.AddProvider(new CapturingLoggerProvider(Log)));
    }

    private sealed class ClientAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = IPAddress.TryParse(context.Request.Headers[ClientAddressHeader], out var address)
                    ? address
                    : IPAddress.Loopback;
                return nextMiddleware(context);
            });
            next(app);
        };
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, sink);

        public void Dispose()
        {
        }
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<string> sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
