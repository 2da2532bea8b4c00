using System.Text.RegularExpressions;

namespace Ballast.Testing;

/// <summary>
/// The broken configs in tests/data/broken-configs: each file says in its second line where the problem is and what
/// the error must say (<c># expect: LINE:COLUMN MESSAGE</c>).
/// </summary>
public static partial class BrokenConfigs
{
    public sealed record Case(string File, int Line, int Column, string Message)
    {
        public override string ToString() => System.IO.Path.GetFileName(File);
    }

    public static IReadOnlyList<Case> All { get; } = Directory.GetFiles(Repository.Path("tests", "data", "broken-configs"), "*.yaml")
        .Order(StringComparer.Ordinal)
        .Select(Read)
        .ToArray();

    private static Case Read(string file)
    {
        var expect = File.ReadLines(file).Select(l => Expect().Match(l)).First(m => m.Success);
        return new Case(file, int.Parse(expect.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(expect.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), expect.Groups[3].Value);
    }

    [GeneratedRegex(@"^# expect: (\d+):(\d+) (.+)$")]
    private static partial Regex Expect();
}
