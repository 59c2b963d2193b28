using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace SeSPHR.Cli.Gateway;

/// <summary>
/// The gateway opens records for whoever calls it, so every request must carry the token printed
/// at start: another local account can reach a loopback port, but cannot read that token.
/// </summary>
internal static class GatewayAuthentication
{
    public static IApplicationBuilder UseGatewayToken(this IApplicationBuilder app, GatewayToken token) => app.Use(async (context, next) =>
    {
        if (token.Admits(context.Request.Headers.Authorization))
        {
            await next(context);
            return;
        }

        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"sesphr-gateway\"";
        await GatewayErrors.WriteAsync(context, StatusCodes.Status401Unauthorized, OperationOutcome.IssueType.Login,
            "This gateway needs the bearer token it printed (or wrote to its token file) when it started.");
    });
}
