using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using SeSPHR.Phr.Sections;

namespace SeSPHR.Cli.Gateway;

/// <summary>
/// Passes one FHIR request on to the FhirServer through the sealing client and its answer back,
/// with every URL of the FhirServer's base (paging links, fullUrls, Location) rewritten to the
/// gateway's own base and back, so an app never leaves the gateway by following a link.
/// </summary>
internal sealed class FhirPassThrough(HttpClient fhirServer, Uri fhirBase)
{
    private static readonly string[] PassedRequestHeaders = ["If-Match", "If-None-Match", "If-Modified-Since", "Prefer"];
    private static readonly string[] PassedResponseHeaders = ["ETag", "Last-Modified", "Retry-After"];

    private readonly string _serverBase = fhirBase.ToString().TrimEnd('/');

    public async System.Threading.Tasks.Task HandleAsync(HttpContext context, string basePath)
    {
        var request = context.Request;
        var gatewayBase = $"{request.Scheme}://{request.Host}{basePath}";
        var relative = request.Path.Value![basePath.Length..].TrimStart('/') + request.QueryString;
        Refuse(request, relative);
        using var outgoing = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(fhirBase, relative));
        outgoing.Headers.Accept.ParseAdd(GatewayErrors.FhirJson);
        foreach (var name in PassedRequestHeaders.Where(n => request.Headers.ContainsKey(n)))
        {
            outgoing.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)request.Headers[name]);
        }

        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var body = Rebase(await reader.ReadToEndAsync(context.RequestAborted), gatewayBase, _serverBase);
            if (!HttpMethods.IsPatch(request.Method) && !(request.ContentType ?? "").Contains("x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
            {
                WriteBodies.RequireSealable(body);
            }

            outgoing.Content = new StringContent(body, Encoding.UTF8);
            outgoing.Content.Headers.ContentType = MediaTypeHeaderValue.TryParse(request.ContentType, out var type) ? type : new MediaTypeHeaderValue(GatewayErrors.FhirJson);
        }

        using var response = await fhirServer.SendAsync(outgoing, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var name in PassedResponseHeaders)
        {
            if (response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values))
            {
                context.Response.Headers[name] = new StringValues([.. values]);
            }
        }

        if (response.Headers.Location is { } location)
        {
            context.Response.Headers.Location = Rebase(location.ToString(), _serverBase, gatewayBase, quoted: false);
        }

        var text = await response.Content.ReadAsStringAsync(context.RequestAborted);
        if (text.Length > 0)
        {
            context.Response.ContentType = GatewayErrors.FhirJson;
            await context.Response.WriteAsync(Rebase(text, _serverBase, gatewayBase), context.RequestAborted);
        }
    }

    /// <summary>
    /// Replaces <paramref name="from"/> by <paramref name="to"/> where a JSON string starts with it
    /// (or the whole text, for a header); a base URL inside free text is left as it is.
    /// </summary>
    private static string Rebase(string text, string from, string to, bool quoted = true)
    {
        if (!quoted)
        {
            return text.StartsWith(from, StringComparison.Ordinal) ? to + text[from.Length..] : text;
        }

        return text.Replace($"\"{from}/", $"\"{to}/", StringComparison.Ordinal).Replace($"\"{from}\"", $"\"{to}\"", StringComparison.Ordinal);
    }

    private static void Refuse(HttpRequest request, string relative)
    {
        if (request.Query["_format"] is { Count: > 0 } format && !format.ToString().Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            throw new GatewayRequestException(StatusCodes.Status406NotAcceptable, "The gateway speaks FHIR JSON only (_format=json).");
        }

        if (request.ContentType is { } type && !type.Contains("json", StringComparison.OrdinalIgnoreCase) && !type.Contains("x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            throw new GatewayRequestException(StatusCodes.Status415UnsupportedMediaType, "The gateway takes FHIR JSON bodies only (application/fhir+json).");
        }

        // A type the section policy does not know could not be sealed: its body must not leave this machine.
        var resourceType = relative.Split('/', '?')[0];
        if ((HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method))
            && resourceType.Length > 0 && resourceType[0] != '_' && resourceType[0] != '$' && !SectionPolicy.IsSupported(resourceType))
        {
            throw new GatewayRequestException(StatusCodes.Status422UnprocessableEntity, $"The section policy does not know {resourceType}; the gateway writes only the types it can seal.");
        }
    }
}
