namespace SampleApi.Notes;

/// <summary><c>/v1/notes</c>: create, read, update and delete notes; the list is served from the cache when it can be.</summary>
public static class NotesEndpoints
{
    private const int MaxLength = 10_000;

    public static void MapNotes(this IEndpointRouteBuilder app, AiBudgets budgets)
    {
        var notes = app.MapGroup("/v1/notes");

        notes.MapGet("/", async (NotesStore store, NotesCache cache, HttpResponse response, CancellationToken ct) =>
        {
            if (await cache.GetAsync() is { } cached)
            {
                response.Headers["X-Cache"] = "hit";
                return Results.Ok(cached);
            }
            var list = await store.ListAsync(ct);
            await cache.SetAsync(list);
            response.Headers["X-Cache"] = "miss";
            return Results.Ok(list);
        });

        notes.MapGet("/{id:long}", async (long id, NotesStore store, CancellationToken ct) =>
            await store.GetAsync(id, ct) is { } note ? Results.Ok(note) : NotFound(id));

        notes.MapPost("/", async (NoteInput input, NotesStore store, NotesCache cache, CancellationToken ct) =>
        {
            if (Invalid(input) is { } problem) return problem;
            var note = await store.AddAsync(input.Text!, ct);
            await cache.InvalidateAsync();
            return Results.Created($"/v1/notes/{note.Id}", note);
        });

        notes.MapPut("/{id:long}", async (long id, NoteInput input, NotesStore store, NotesCache cache, CancellationToken ct) =>
        {
            if (Invalid(input) is { } problem) return problem;
            var note = await store.UpdateAsync(id, input.Text!, ct);
            await cache.InvalidateAsync();
            return note is null ? NotFound(id) : Results.Ok(note);
        });

        notes.MapDelete("/{id:long}", async (long id, NotesStore store, NotesCache cache, CancellationToken ct) =>
        {
            var deleted = await store.DeleteAsync(id, ct);
            await cache.InvalidateAsync();
            return deleted ? Results.NoContent() : NotFound(id);
        });

        if (budgets.Enabled)
        {
            // The feature release 165 brought: a summary cut to the configured token budget (a token is a word here).
            notes.MapGet("/{id:long}/summary", async (long id, NotesStore store, CancellationToken ct) =>
            {
                if (await store.GetAsync(id, ct) is not { } note) return NotFound(id);
                var words = note.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return Results.Ok(new { id, summary = string.Join(' ', words.Take(budgets.Summary)), budget = budgets.Summary });
            });
        }
    }

    private static IResult? Invalid(NoteInput input) =>
        string.IsNullOrWhiteSpace(input.Text) ? Results.Problem("text is required", statusCode: 400)
        : input.Text.Length > MaxLength ? Results.Problem($"text is longer than {MaxLength} characters", statusCode: 400)
        : null;

    private static IResult NotFound(long id) => Results.Problem($"note {id} does not exist", statusCode: 404);
}
