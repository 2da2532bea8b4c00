namespace Ballast.AspNetCore;

/// <summary>
/// The event ids this library logs under. They are its own (it depends on no other Ballast assembly) and stay stable,
/// because the services that use it filter and alert on them.
/// </summary>
internal static class LogEvents
{
    public const int PhaseReached = 1;
    public const int StartupIncomplete = 2;
    public const int ContractNotMet = 3;
}
