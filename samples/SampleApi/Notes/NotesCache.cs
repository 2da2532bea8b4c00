using System.Text.Json;
using StackExchange.Redis;

namespace SampleApi.Notes;

/// <summary>
/// The note list cached in Redis for <see cref="Lifetime"/>, dropped on every write. A Redis outage makes requests go
/// to PostgreSQL (and /health/ready say so); it never fails a request.
/// </summary>
public sealed partial class NotesCache(IConnectionMultiplexer redis, ILogger<NotesCache> log)
{
    private static readonly RedisKey Key = "sample-api:notes";
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    public async Task<List<Note>?> GetAsync()
    {
        try
        {
            var cached = await redis.GetDatabase().StringGetAsync(Key);
            return cached.IsNullOrEmpty ? null : JsonSerializer.Deserialize<List<Note>>((string)cached!, JsonSerializerOptions.Web);
        }
        catch (RedisException e)
        {
            Log.CacheUnavailable(log, e.Message);
            return null;
        }
    }

    public async Task SetAsync(List<Note> notes)
    {
        try
        {
            await redis.GetDatabase().StringSetAsync(Key, JsonSerializer.Serialize(notes, JsonSerializerOptions.Web), Lifetime);
        }
        catch (RedisException e)
        {
            Log.CacheUnavailable(log, e.Message);
        }
    }

    public async Task InvalidateAsync()
    {
        try
        {
            await redis.GetDatabase().KeyDeleteAsync(Key);
        }
        catch (RedisException e)
        {
            Log.CacheUnavailable(log, e.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Cache unavailable, using the database: {Reason}")]
        public static partial void CacheUnavailable(ILogger logger, string reason);
    }
}
