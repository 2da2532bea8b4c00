namespace Ballast.Core;

/// <summary>Text cut to fit where its length is bounded: a chat message, a paging summary, a failure sentence.</summary>
public static class ShortText
{
    /// <summary>
    /// <paramref name="text"/> itself when it has at most <paramref name="max"/> characters; otherwise its start and an
    /// ellipsis, <paramref name="max"/> characters in all, so a service's documented limit is never exceeded and the
    /// reader sees that something was cut.
    /// </summary>
    public static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
