namespace Ballast.Server.Hosting;

/// <summary>
/// The API has no authentication yet and trusts whoever reaches its loopback port, so a web page an operator happens
/// to open must not be able to drive it: browsers send cross-site "simple" requests (a form, a no-cors fetch) without
/// asking first, and mark them with <c>Sec-Fetch-Site: cross-site</c>. The CLI and scripts send no such header.
/// </summary>
internal static class CrossSite
{
    /// <summary>A 403 naming why for a request a browser sent from another site, or null for any other request.</summary>
    public static IResult? Refusal(HttpRequest request) =>
        string.Equals(request.Headers["Sec-Fetch-Site"], "cross-site", StringComparison.OrdinalIgnoreCase)
            ? Results.Problem($"{request.Method} {request.Path} refused: the browser says this request comes from another site (Sec-Fetch-Site: cross-site), "
                              + "and this API changes state without authentication; call it from the ballast CLI or a script",
                statusCode: StatusCodes.Status403Forbidden, title: "cross-site request refused")
            : null;
}
