using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;

namespace Ballast.Core.Security;

/// <summary>API token secrets: <c>blt_</c> and 256 random bits, stored only as their SHA-256.</summary>
public static class ApiTokenSecret
{
    /// <summary>What every token starts with, so a leaked one is recognisable (secret scanners, logs).</summary>
    public const string Prefix = "blt_";

    /// <summary>A new secret; show it once, store <see cref="Hash"/> of it.</summary>
    public static string Create() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>How many characters <see cref="Hash(string)"/> gives: SHA-256 in hex.</summary>
    public const int HashLength = SHA256.HashSizeInBytes * 2;

    /// <summary>
    /// The lower-case hex SHA-256 of <paramref name="secret"/>. A fast hash is enough: the secret has 256 random bits,
    /// so there is nothing to guess, unlike a password.
    /// </summary>
    public static string Hash(string secret)
    {
        Span<char> hex = stackalloc char[HashLength];
        Hash(secret, hex);
        return new string(hex);
    }

    /// <summary><see cref="Hash(string)"/> into <paramref name="hex"/> (<see cref="HashLength"/> characters), for a request's hot path.</summary>
    public static void Hash(ReadOnlySpan<char> secret, Span<char> hex)
    {
        // Every API request hashes its token: on the stack, not the heap, for any token of sane length.
        const int OnStack = 256;
        var length = Encoding.UTF8.GetMaxByteCount(secret.Length);
        Span<byte> utf8 = length <= OnStack ? stackalloc byte[OnStack] : new byte[length];
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(secret, utf8)], digest);
        Convert.TryToHexStringLower(digest, hex, out _);
    }

    /// <summary>Whether two hashes are equal, in time that does not depend on where they differ.</summary>
    public static bool HashesEqual(ReadOnlySpan<char> a, ReadOnlySpan<char> b) =>
        CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(a), MemoryMarshal.AsBytes(b));

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>Password hashing with ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/> (PBKDF2, salted, versioned).</summary>
public static class Passwords
{
    private static readonly PasswordHasher<UserAccount> Hasher = new();

    /// <summary>
    /// A hash of a password nobody has, checked when a login names no user, so a wrong name costs the same time as a
    /// wrong password and the answer's timing does not tell which names exist.
    /// </summary>
    private static readonly string Dummy = Hasher.HashPassword(null!, Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));

    public const int MinLength = 12;

    public static string Hash(string password) => Hasher.HashPassword(null!, password);

    /// <summary>Whether <paramref name="password"/> is <paramref name="user"/>'s; a null user is checked against a dummy hash, and fails.</summary>
    public static bool Verify(UserAccount? user, string password)
    {
        var result = Hasher.VerifyHashedPassword(user!, user?.PasswordHash ?? Dummy, password);
        return user is not null && result != PasswordVerificationResult.Failed;
    }

    /// <summary>Why a new password is refused, or null.</summary>
    public static string? Weakness(string password) =>
        password.Length < MinLength ? $"the password has {password.Length} characters; use at least {MinLength}" : null;
}
