using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Ballast.Storage.KeyRing;

/// <summary>
/// Data Protection keys as XML files in a folder beside the SQLite database, readable by its owner only: the folder
/// 0700, each file 0600 from the moment it exists (written aside, then moved into place).
/// </summary>
internal sealed class FileKeyRepository(string directory) : IXmlRepository
{
    private const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string Directory { get; } = directory;

    public IReadOnlyCollection<XElement> GetAllElements() => System.IO.Directory.Exists(Directory)
        ? System.IO.Directory.GetFiles(Directory, "*.xml").Order(StringComparer.Ordinal).Select(f => XElement.Load(f)).ToArray()
        : [];

    public void StoreElement(XElement element, string friendlyName)
    {
        if (OperatingSystem.IsWindows())
            System.IO.Directory.CreateDirectory(Directory);
        else
        {
            System.IO.Directory.CreateDirectory(Directory, Folder);
            // A folder made earlier by hand (or by an older Ballast) is narrowed too.
            File.SetUnixFileMode(Directory, Folder);
        }
        var name = string.Concat(friendlyName.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '_'));
        var path = Path.Combine(Directory, $"key-{name}.xml");
        var staging = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = File600;
        using (var file = new FileStream(staging, options))
            element.Save(file);
        File.Move(staging, path, overwrite: true);
    }
}
