using System.Text;
using System.Xml;

namespace Ballast.Server.StatusPages;

/// <summary>
/// A status page's public messages as an Atom feed (RFC 4287): one entry per update, newest first, with the page's
/// address as ids, so a feed reader shows each update once. Only the public title and body are in it.
/// </summary>
public static class StatusPageFeed
{
    public const string ContentType = "application/atom+xml; charset=utf-8";
    private const string Atom = "http://www.w3.org/2005/Atom";

    /// <summary>The page's address under <paramref name="baseUrl"/> (<c>server.public_url</c>).</summary>
    public static string PageUrl(Uri baseUrl, string slug) => baseUrl.GetLeftPart(UriPartial.Authority) + baseUrl.AbsolutePath.TrimEnd('/') + "/status/" + slug;

    public static string Write(StatusPageView view, Uri baseUrl)
    {
        var page = PageUrl(baseUrl, view.Slug);
        var entries = view.Open.Concat(view.Resolved)
            .SelectMany(m => m.Updates.Select(u => (Message: m, Update: u)))
            .OrderByDescending(e => e.Update.At).ToArray();
        var text = new StringBuilder();
        using (var xml = XmlWriter.Create(text, new XmlWriterSettings { Indent = true, Encoding = Encoding.UTF8, OmitXmlDeclaration = false }))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("feed", Atom);
            xml.WriteElementString("id", Atom, page);
            xml.WriteElementString("title", Atom, view.Title);
            xml.WriteElementString("updated", Atom, Time(entries.Length > 0 ? entries[0].Update.At : view.LastModified));
            Link(xml, "alternate", page, "text/html");
            Link(xml, "self", page + "/feed.atom", "application/atom+xml");
            xml.WriteStartElement("author", Atom);
            xml.WriteElementString("name", Atom, view.Title);
            xml.WriteEndElement();
            foreach (var (message, update) in entries)
            {
                xml.WriteStartElement("entry", Atom);
                xml.WriteElementString("id", Atom, $"{page}#update-{update.Id}");
                xml.WriteElementString("title", Atom, $"{PublicWords.Of(update.State)}: {message.Title}");
                xml.WriteElementString("updated", Atom, Time(update.At));
                xml.WriteElementString("published", Atom, Time(update.At));
                Link(xml, "alternate", $"{page}#message-{message.Id}", "text/html");
                xml.WriteStartElement("content", Atom);
                xml.WriteAttributeString("type", "text");
                xml.WriteString(update.Body);
                xml.WriteEndElement();
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
        }
        // The writer declares the StringBuilder's UTF-16; the bytes served are UTF-8.
        return text.ToString().Replace("encoding=\"utf-16\"", "encoding=\"utf-8\"", StringComparison.Ordinal);
    }

    private static void Link(XmlWriter xml, string rel, string href, string type)
    {
        xml.WriteStartElement("link", Atom);
        xml.WriteAttributeString("rel", rel);
        xml.WriteAttributeString("type", type);
        xml.WriteAttributeString("href", href);
        xml.WriteEndElement();
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
