using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Ballast.Server.Logs;

/// <summary>
/// Which file this is, whatever its name now: device and inode on Linux (a renamed file keeps them, a new file at the
/// old name gets others). Elsewhere the full path stands in, which follows copytruncate but not rename rotation.
/// </summary>
internal readonly partial record struct FileIdentity(ulong Device, ulong Inode)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Device}.{Inode}");

    /// <summary>The identity of the file at <paramref name="path"/>, or null when there is none now.</summary>
    public static FileIdentity? Of(string path)
    {
        if (!OperatingSystem.IsLinux()) return File.Exists(path) ? ByPath(path) : null;
        Span<byte> buffer = stackalloc byte[256];
        return Statx(AtFdCwd, path, 0, StatxIno, ref MemoryMarshal.GetReference(buffer)) == 0 ? Read(buffer) : null;
    }

    /// <summary>The identity of an open file (what a name pointed at when it was opened, even if renamed since).</summary>
    public static FileIdentity Of(SafeFileHandle handle, string path)
    {
        if (!OperatingSystem.IsLinux()) return ByPath(path);
        Span<byte> buffer = stackalloc byte[256];
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            if (Statx((int)handle.DangerousGetHandle(), "", AtEmptyPath, StatxIno, ref MemoryMarshal.GetReference(buffer)) != 0)
                throw new IOException($"cannot stat {path}: errno {Marshal.GetLastPInvokeError()}");
            return Read(buffer);
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    // A hash stable across processes (string.GetHashCode is randomised per process), so the checkpoint is found again.
    private static FileIdentity ByPath(string path) =>
        new(0, BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(path)))));

    // struct statx (linux/stat.h): stx_ino at 32, stx_dev_major at 136 and stx_dev_minor at 140; 256 bytes in all.
    private static FileIdentity Read(ReadOnlySpan<byte> statx) => new(
        ((ulong)MemoryMarshal.Read<uint>(statx[136..]) << 32) | MemoryMarshal.Read<uint>(statx[140..]),
        MemoryMarshal.Read<ulong>(statx[32..]));

    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxIno = 0x100;

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, ref byte buffer);
}
