namespace Ballast.Core.Alerting;

/// <summary>Told after new notifications were stored (the dispatcher, so it sends them without waiting for its next poll).</summary>
public interface INotificationListener
{
    void OnNotificationsAdded();
}
