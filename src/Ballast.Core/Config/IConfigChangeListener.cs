namespace Ballast.Core.Config;

/// <summary>
/// Told when the running config is replaced by a valid edit of ballast.yaml. Registered in DI; called in registration
/// order on the reloading loop, so an implementation must return quickly and must not throw.
/// </summary>
public interface IConfigChangeListener
{
    void OnConfigChanged(BallastConfig updated);
}
