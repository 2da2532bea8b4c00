using Ballast.Core.Deploy;
using Microsoft.AspNetCore.DataProtection;

namespace Ballast.Storage.KeyRing;

/// <summary><see cref="ISecretSealer"/> on ASP.NET Core Data Protection, with a purpose of its own so no other protected payload can be read as a secret.</summary>
internal sealed class DataProtectionSealer(IDataProtectionProvider provider) : ISecretSealer
{
    private readonly IDataProtector _protector = provider.CreateProtector("Ballast.Secrets.v1");

    public string Seal(string plain) => _protector.Protect(plain);

    public string Unseal(string sealedText) => _protector.Unprotect(sealedText);
}
