using System.ComponentModel;

namespace Ballast.Core.Config;

/// <summary>The <c>logs:</c> section: log streams Ballast follows and the rules that open incidents from them.</summary>
public sealed record LogsConfig
{
}
