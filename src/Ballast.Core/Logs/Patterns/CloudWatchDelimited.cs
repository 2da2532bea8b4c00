using System.Buffers;

namespace Ballast.Core.Logs.Patterns;

/// <summary>
/// A space-delimited pattern, <c>[ip, user, ..., status_code = 5*, bytes &gt; 1000]</c>: one named slot per field of
/// the line, <c>...</c> for any number of fields, conditions joined with <c>&amp;&amp;</c> and <c>||</c> inside a slot.
/// The line is split at spaces; text between <c>[</c> and <c>]</c> or between two <c>"</c> is one field (without them).
/// Without <c>...</c> the line must have exactly as many fields as the pattern has slots.
/// </summary>
internal sealed class CloudWatchDelimited
{
    private const int StackFields = 64;

    private readonly Slot[] _slots;
    private readonly Dictionary<string, int> _names;
    private readonly int _ellipses;

    private CloudWatchDelimited(Slot[] slots, Dictionary<string, int> names) =>
        (_slots, _names, _ellipses) = (slots, names, slots.Count(s => s.IsEllipsis));

    /// <summary>Parses the pattern from the reader's <c>[</c> to its closing <c>]</c>, which must end the pattern.</summary>
    public static CloudWatchDelimited Parse(CloudWatchReader reader)
    {
        var open = reader.Position;
        reader.Position++;
        var slots = new List<Slot>();
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var references = new List<(string Name, int Offset)>();
        while (true)
        {
            reader.SkipSpaces();
            if (reader.AtEnd) throw CloudWatchReader.Fail(open, "this [ is never closed with ]");
            var at = reader.Position;
            Slot slot;
            if (reader.TryTake("...")) slot = new Slot(null, null, IsEllipsis: true);
            else if (reader.Current is ',' or ']') slot = new Slot(null, null, IsEllipsis: false);
            else
            {
                var name = ReadName(reader);
                if (!names.TryAdd(name, slots.Count)) throw CloudWatchReader.Fail(at, $"the field name '{name}' is used twice");
                reader.SkipSpaces();
                if (CloudWatchReader.IsWordChar(reader.Current))
                    throw CloudWatchReader.Fail(reader.Position, $"expected ',' between fields, or a comparison after '{name}'");
                var condition = reader.Current is ',' or ']' || reader.AtEnd ? null : ParseOr(reader, name, references);
                slot = new Slot(name, condition, IsEllipsis: false);
            }
            slots.Add(slot);
            reader.SkipSpaces();
            if (reader.AtEnd) throw CloudWatchReader.Fail(open, "this [ is never closed with ]");
            if (reader.Current == ']') break;
            if (reader.Current != ',') throw CloudWatchReader.Fail(reader.Position, $"expected ',' between fields or ']' at the end, found '{reader.Current}'");
            reader.Position++;
        }
        reader.Position++;
        reader.SkipSpaces();
        if (!reader.AtEnd) throw CloudWatchReader.Fail(reader.Position, "nothing may follow the ] that closes a space-delimited pattern");
        if (slots.Count == 1 && slots[0] is { Name: null, IsEllipsis: false })
            throw CloudWatchReader.Fail(open, "a space-delimited pattern needs at least one field between [ and ]");
        foreach (var (name, offset) in references)
            if (!names.ContainsKey(name)) throw CloudWatchReader.Fail(offset, $"no field is named '{name}' in this pattern");
        var built = slots.ToArray();
        foreach (var slot in built) slot.Condition?.Bind(names);
        return new CloudWatchDelimited(built, names);
    }

    public bool Captures(string name) => _names.ContainsKey(name);

    public bool IsMatch(LogLine line) => Match(line.Text, null, out _);

    public string? Capture(LogLine line, string name) =>
        _names.TryGetValue(name, out var slot) && Match(line.Text, slot, out var value) ? value : null;

    private bool Match(string text, int? captureSlot, out string? captured)
    {
        captured = null;
        Range[]? rented = null;
        Span<Range> fields = text.Length / 2 + 1 <= StackFields
            ? stackalloc Range[StackFields]
            : (rented = ArrayPool<Range>.Shared.Rent(text.Length / 2 + 1));
        Span<int> assigned = _slots.Length <= StackFields ? stackalloc int[_slots.Length] : new int[_slots.Length];
        try
        {
            var count = Split(text, fields);
            if (!Assign(text, fields[..count], assigned, 0, 0)) return false;
            if (captureSlot is { } s) captured = text[fields[assigned[s]]];
            return true;
        }
        finally
        {
            if (rented is not null) ArrayPool<Range>.Shared.Return(rented);
        }
    }

    /// <summary>Tries each way the ellipses can spread over the fields; the first under which every condition holds wins.</summary>
    private bool Assign(string text, ReadOnlySpan<Range> fields, Span<int> assigned, int slot, int field)
    {
        if (slot == _slots.Length) return field == fields.Length && ConditionsHold(text, fields, assigned);
        if (!_slots[slot].IsEllipsis)
        {
            if (field >= fields.Length) return false;
            assigned[slot] = field;
            return Assign(text, fields, assigned, slot + 1, field + 1);
        }
        var fixedAfter = 0;
        for (var i = slot + 1; i < _slots.Length; i++) if (!_slots[i].IsEllipsis) fixedAfter++;
        var latest = fields.Length - fixedAfter;
        if (_ellipses == 1) return field <= latest && Assign(text, fields, assigned, slot + 1, latest);
        for (var next = field; next <= latest; next++)
            if (Assign(text, fields, assigned, slot + 1, next)) return true;
        return false;
    }

    private bool ConditionsHold(string text, ReadOnlySpan<Range> fields, ReadOnlySpan<int> assigned)
    {
        foreach (var slot in _slots)
            if (slot.Condition is { } condition && !condition.Eval(text, fields, assigned)) return false;
        return true;
    }

    /// <summary>Splits at runs of spaces and tabs; a field opening with [ runs to ], one opening with " to the next ".</summary>
    internal static int Split(string text, Span<Range> fields)
    {
        var count = 0;
        var i = 0;
        while (true)
        {
            while (i < text.Length && text[i] is ' ' or '\t') i++;
            if (i >= text.Length) return count;
            int start, end;
            var close = text[i] switch { '"' => '"', '[' => ']', _ => '\0' };
            if (close != '\0')
            {
                start = i + 1;
                var found = text.IndexOf(close, start);
                end = found < 0 ? text.Length : found;
                i = found < 0 ? text.Length : found + 1;
            }
            else
            {
                start = i;
                while (i < text.Length && text[i] is not (' ' or '\t')) i++;
                end = i;
            }
            fields[count++] = start..end;
        }
    }

    private static string ReadName(CloudWatchReader reader)
    {
        var start = reader.Position;
        while (CloudWatchReader.IsWordChar(reader.Current)) reader.Position++;
        if (reader.Position == start)
            throw CloudWatchReader.Fail(start, reader.AtEnd
                ? "expected a field name here"
                : $"expected a field name (letters, digits and _), '...' or ',' here, found '{reader.Current}'");
        return reader.Text[start..reader.Position];
    }

    private static Node ParseOr(CloudWatchReader reader, string slotName, List<(string, int)> references)
    {
        Node left = ParseAnd(reader, slotName, references, first: true);
        while (true)
        {
            reader.SkipSpaces();
            if (!reader.TryTake("||")) return left;
            left = new Or(left, ParseAnd(reader, slotName, references, first: false));
        }
    }

    private static Node ParseAnd(CloudWatchReader reader, string slotName, List<(string, int)> references, bool first)
    {
        Node left = ParseComparison(reader, slotName, references, first);
        while (true)
        {
            reader.SkipSpaces();
            if (!reader.TryTake("&&")) return left;
            left = new And(left, ParseComparison(reader, slotName, references, first: false));
        }
    }

    /// <summary>The slot's first condition reuses the name just read (<c>status_code = 4*</c>); later ones name their field.</summary>
    private static Compare ParseComparison(CloudWatchReader reader, string slotName, List<(string, int)> references, bool first)
    {
        string name;
        if (first) name = slotName;
        else
        {
            reader.SkipSpaces();
            var at = reader.Position;
            name = ReadName(reader);
            references.Add((name, at));
        }
        return new Compare(name, CloudWatchCondition.Parse(reader));
    }

    private sealed record Slot(string? Name, Node? Condition, bool IsEllipsis);

    private abstract class Node
    {
        public abstract void Bind(Dictionary<string, int> names);
        public abstract bool Eval(string text, ReadOnlySpan<Range> fields, ReadOnlySpan<int> assigned);
    }

    private sealed class And(Node left, Node right) : Node
    {
        public override void Bind(Dictionary<string, int> names) { left.Bind(names); right.Bind(names); }
        public override bool Eval(string text, ReadOnlySpan<Range> fields, ReadOnlySpan<int> assigned) =>
            left.Eval(text, fields, assigned) && right.Eval(text, fields, assigned);
    }

    private sealed class Or(Node left, Node right) : Node
    {
        public override void Bind(Dictionary<string, int> names) { left.Bind(names); right.Bind(names); }
        public override bool Eval(string text, ReadOnlySpan<Range> fields, ReadOnlySpan<int> assigned) =>
            left.Eval(text, fields, assigned) || right.Eval(text, fields, assigned);
    }

    private sealed class Compare(string name, CloudWatchCondition condition) : Node
    {
        private int _slot;

        public override void Bind(Dictionary<string, int> names) => _slot = names[name];
        public override bool Eval(string text, ReadOnlySpan<Range> fields, ReadOnlySpan<int> assigned) =>
            condition.Matches(text.AsSpan()[fields[assigned[_slot]]]);
    }
}
