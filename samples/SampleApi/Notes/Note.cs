namespace SampleApi.Notes;

public sealed record Note(long Id, string Text, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record NoteInput(string? Text);
