using System.Net;
using System.Text;
using Ballast.Core.Config;

namespace Ballast.Core.Alerting;

/// <summary>
/// The words of a notification, shared by every channel: a subject line and a body that say which monitor, how bad,
/// what failed (expected vs seen), since when, after how many checks, the runbook and a link to the incident.
/// </summary>
public static class AlertText
{
    /// <summary>The subject line: the channel's template when it has one, else Ballast's words.</summary>
    public static string Subject(AlertMessage message, MessageTemplateConfig? template = null)
    {
        if (template?.Subject is { } subject && message.Items.Count > 0) return Fill(subject, message, message.Items[0]);
        var items = message.Items;
        var tag = $"[{message.Severity.ToString().ToUpperInvariant()}]";
        return message.Kind switch
        {
            NotificationKind.Test => "[TEST] Ballast can reach this channel",
            NotificationKind.ChannelFailing => $"[CRITICAL] alerts to channel {items[0].Monitor} are failing: {items[0].Cause}",
            NotificationKind.Flapping => $"{tag} {items[0].Monitor} is FLAPPING: {items[0].FailedChecks} state changes; its alerts are held until it settles",
            NotificationKind.Resolved when items.Count == 1 => $"[RESOLVED] {items[0].Monitor} is UP after {Duration.Format(Round(items[0].Duration ?? TimeSpan.Zero))}",
            NotificationKind.Resolved => $"[RESOLVED] {items.Count} monitors are UP again",
            NotificationKind.Repeat when items.Count == 1 => $"{tag} {items[0].Monitor} is still DOWN ({Duration.Format(Round(message.CreatedAt - items[0].StartedAt))}): {items[0].Cause}",
            NotificationKind.Repeat => $"{tag} {items.Count} monitors are still DOWN",
            _ when items.Count == 1 => $"{tag} {items[0].Monitor} is DOWN: {items[0].Cause}",
            _ => $"{tag} {items.Count} monitors are DOWN: {string.Join(", ", items.Take(5).Select(i => i.Monitor))}{(items.Count > 5 ? ", …" : "")}",
        };
    }

    /// <summary>The plain-text body: the channel's template per incident when it has one, else Ballast's words.</summary>
    public static string Plain(AlertMessage message, MessageTemplateConfig? template = null)
    {
        if (template?.Body is { } body && message.Items.Count > 0)
            return string.Join("\n\n", message.Items.Select(i => Fill(body, message, i))) + "\n";
        if (message.Kind == NotificationKind.Test)
            return $"This is a test message from Ballast ({message.DashboardUrl}). If you can read it, alerts will reach you here.\n";
        if (message.Kind == NotificationKind.ChannelFailing)
            return $"{Subject(message)}\nMessages to it are kept and retried; check the channel's settings and the service's status.\n" +
                   $"Pending messages: {message.DashboardUrl.TrimEnd('/')}/api/v1/notifications?status=pending\n";
        if (message.Kind == NotificationKind.Flapping)
            return $"{Subject(message)}.\nLast failure: {message.Items[0].Cause}\nIncident: {Link(message, message.Items[0])}\n";
        var sb = new StringBuilder();
        foreach (var item in message.Items)
        {
            sb.Append(Headline(message.Kind, item)).Append('\n');
            if (message.Kind != NotificationKind.Resolved) sb.Append("  ").Append(item.Cause).Append('\n');
            else sb.Append("  was: ").Append(item.Cause).Append('\n');
            if (item.Runbook is not null) sb.Append("  Runbook: ").Append(item.Runbook).Append('\n');
            sb.Append("  Incident: ").Append(Link(message, item)).Append('\n');
            sb.Append('\n');
        }
        return sb.ToString();
    }

    public static string Html(AlertMessage message, MessageTemplateConfig? template = null)
    {
        if (template?.Body is not null)
            return $"<pre style=\"font-family:sans-serif;white-space:pre-wrap\">{WebUtility.HtmlEncode(Plain(message, template))}</pre>";
        if (message.Kind is NotificationKind.Test or NotificationKind.Flapping or NotificationKind.ChannelFailing)
            return $"<pre style=\"font-family:sans-serif;white-space:pre-wrap\">{WebUtility.HtmlEncode(Plain(message))}</pre>";
        var sb = new StringBuilder("<div style=\"font-family:sans-serif\">");
        foreach (var item in message.Items)
        {
            var color = message.Kind == NotificationKind.Resolved ? "#1a7f37" : item.Severity == Severity.Critical ? "#cf222e" : "#9a6700";
            sb.Append($"<p><b style=\"color:{color}\">{WebUtility.HtmlEncode(Headline(message.Kind, item))}</b><br>");
            sb.Append($"<code>{WebUtility.HtmlEncode(item.Cause)}</code><br>");
            if (item.Runbook is not null) sb.Append($"Runbook: <a href=\"{WebUtility.HtmlEncode(item.Runbook)}\">{WebUtility.HtmlEncode(item.Runbook)}</a><br>");
            sb.Append($"<a href=\"{WebUtility.HtmlEncode(Link(message, item))}\">Open the incident</a></p>");
        }
        return sb.Append("</div>").ToString();
    }

    private static string Fill(string template, AlertMessage message, AlertItem item) =>
        System.Text.RegularExpressions.Regex.Replace(template, @"\{\{\s*([a-z_]+)\s*\}\}", m => m.Groups[1].Value switch
        {
            "kind" => message.Kind switch
            {
                NotificationKind.Resolved => "RESOLVED",
                NotificationKind.Repeat => "STILL DOWN",
                NotificationKind.Firing => "DOWN",
                _ => message.Kind.ToString().ToUpperInvariant(),
            },
            "monitor" => item.Monitor,
            "type" => item.MonitorType,
            "severity" => item.Severity.ToString().ToLowerInvariant(),
            "cause" => item.Cause,
            "since" => item.StartedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture),
            "detected" => item.DetectedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture),
            "resolved" => item.ResolvedAt?.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture) ?? "",
            "duration" => Duration.Format(Round((item.ResolvedAt ?? message.CreatedAt) - item.StartedAt)),
            "failed_checks" => item.FailedChecks.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "runbook" => item.Runbook ?? "",
            "url" => Link(message, item),
            "count" => message.Items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "monitors" => string.Join(", ", message.Items.Select(i => i.Monitor)),
            _ => m.Value,
        });

    public static string Link(AlertMessage message, AlertItem item) => $"{message.DashboardUrl.TrimEnd('/')}/incidents/{item.IncidentId}";

    private static string Headline(NotificationKind kind, AlertItem item) => kind switch
    {
        NotificationKind.Resolved =>
            $"{item.Monitor} ({item.MonitorType}) is UP again at {item.ResolvedAt:yyyy-MM-dd HH:mm:ss} UTC, down for {Duration.Format(Round(item.Duration ?? TimeSpan.Zero))}",
        _ => $"{item.Monitor} ({item.MonitorType}, {item.Severity.ToString().ToLowerInvariant()}) is DOWN since {item.StartedAt:yyyy-MM-dd HH:mm:ss} UTC" +
             $" (detected after {item.FailedChecks} failed check{(item.FailedChecks == 1 ? "" : "s")}, {Duration.Format(Round(item.DetectedAt - item.StartedAt))} later)",
    };

    private static TimeSpan Round(TimeSpan t) => TimeSpan.FromSeconds(Math.Round(t.TotalSeconds));
}
