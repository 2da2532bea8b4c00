namespace Ballast.Core.Monitoring;

/// <summary>Receives every check as it happens. Implementations must not block: this is on the probe path.</summary>
public interface IMonitoringSink
{
    void Record(CheckRecord record);
}
