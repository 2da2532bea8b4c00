using Ballast.Core.Config;

namespace Ballast.Server.Hosting;

/// <summary>The config the server runs on now; replaced whole when a valid edit of ballast.yaml is picked up.</summary>
public sealed class ConfigState(BallastConfig initial)
{
    private BallastConfig _current = initial;

    public BallastConfig Current => Volatile.Read(ref _current);

    public event Action<BallastConfig>? Changed;

    public void Replace(BallastConfig config)
    {
        Volatile.Write(ref _current, config);
        Changed?.Invoke(config);
    }
}
