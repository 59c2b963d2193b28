namespace SeSPHR.Srs.Features.Grants;

/// <summary>
/// Why a grant request was refused, as the problem+json the caller gets: the status and a title
/// naming the rule. Titles never carry key material or kfrag bytes.
/// </summary>
public sealed record GrantRefusal(int Status, string Title)
{
    public static GrantRefusal Forbidden(string title) => new(StatusCodes.Status403Forbidden, title);

    public static GrantRefusal Conflict(string title) => new(StatusCodes.Status409Conflict, title);

    public static GrantRefusal Unprocessable(string title) => new(StatusCodes.Status422UnprocessableEntity, title);
}
