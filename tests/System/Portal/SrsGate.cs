using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SeSPHR.SystemTests.Infrastructure;

namespace SeSPHR.SystemTests.Portal;

/// <summary>
/// A reverse proxy in front of the SRS for one portal process, where an operator's proxy would
/// stand. It passes every request and answer on unchanged (the SRS sees its own host, so the tokens
/// it issues name it as their issuer), and it lets a test stop the real SRS process at an exact
/// moment of a grant or a revocation: right after the SRS answered a given request (before the
/// portal has the answer), or when a given request arrives (it never reaches the SRS). The outage
/// is real: the FhirServer, which talks to the SRS directly, finds it gone too. With the SRS
/// stopped the proxy answers 502, as a proxy does.
/// </summary>
public sealed class SrsGate : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer",
    };

    private readonly WebApplication _app;
    private readonly ServerProcess _srs;
    private readonly HttpClient _forward = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(60) };
    private readonly Lock _lock = new();
    private Outage? _outage;

    private SrsGate(WebApplication app, ServerProcess srs)
    {
        _app = app;
        _srs = srs;
    }

    /// <summary>Where the portal should find the SRS.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Set once the gate stopped the SRS.</summary>
    public bool StoppedSrs { get; private set; }

    public static async Task<SrsGate> StartAsync(ServerProcess srs)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var gate = new SrsGate(app, srs);
        app.Run(gate.ForwardAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        gate.BaseAddress = new Uri(address + "/");
        return gate;
    }

    /// <summary>The next request <paramref name="method"/> <paramref name="path"/> is answered by the SRS, which is then stopped before the answer is passed on.</summary>
    public void StopSrsAfterAnswering(string method, string path) => Arm(new Outage(method, path, AfterAnswer: true));

    /// <summary>The next request <paramref name="method"/> <paramref name="path"/> stops the SRS as it arrives; it never reaches the SRS.</summary>
    public void StopSrsOnArrival(string method, string path) => Arm(new Outage(method, path, AfterAnswer: false));

    private void Arm(Outage outage)
    {
        lock (_lock)
        {
            _outage = outage;
        }
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var outage = Take(context.Request);
        if (outage is { AfterAnswer: false })
        {
            Stop();
        }

        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(_srs.BaseAddress, context.Request.Path + context.Request.QueryString));
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            body.Position = 0;
            request.Content = new StreamContent(body);
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (!HopByHop.Contains(name) && !request.Headers.TryAddWithoutValidation(name, [.. values]))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, [.. values]);
            }
        }

        HttpResponseMessage answer;
        try
        {
            answer = await _forward.SendAsync(request, context.RequestAborted);
        }
        catch (HttpRequestException)
        {
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }

        using (answer)
        {
            var body = await answer.Content.ReadAsByteArrayAsync(context.RequestAborted);
            if (outage is { AfterAnswer: true })
            {
                Stop();
            }

            context.Response.StatusCode = (int)answer.StatusCode;
            foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
            {
                if (!HopByHop.Contains(name) && !name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }

            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    private Outage? Take(HttpRequest request)
    {
        lock (_lock)
        {
            if (_outage is { } outage && request.Method.Equals(outage.Method, StringComparison.OrdinalIgnoreCase)
                && request.Path.Equals(outage.Path, StringComparison.OrdinalIgnoreCase))
            {
                _outage = null;
                return outage;
            }

            return null;
        }
    }

    private void Stop()
    {
        _srs.Stop();
        StoppedSrs = true;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _forward.Dispose();
    }

    private sealed record Outage(string Method, string Path, bool AfterAnswer);
}
