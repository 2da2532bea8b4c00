using System.Collections.Concurrent;
using Ballast.Core.Alerting;
using Ballast.Core.Config;
using Ballast.Core.Diagnostics;
using Ballast.Core.Logs;
using Ballast.Core.Logs.Rules;
using Ballast.Core.Monitoring;
using Ballast.Server.Hosting;

namespace Ballast.Server.Logs;

/// <summary>
/// The live side of <c>logs.rules</c>: an <see cref="ILogObserver"/> that hands every accepted line to the rule engine,
/// a one-second tick on <see cref="TimeProvider"/> that fires the waits and silences that ran out while no line came,
/// and the incidents. Each rule is the monitor <see cref="LogRuleMonitor"/> of its name: a firing is a failing check
/// whose cause names the rule and carries its lines (secrets masked), and the rule stopping to fire a passing one,
/// through the same state machine, store writer and alert planner as any monitor's checks, so the incident is stored,
/// listed in /api/v1/incidents, acknowledgeable, silenced, routed, and resumed after a restart.
/// </summary>
internal sealed partial class LogRuleService(ConfigState config, IMonitoringSink sink, IMonitoringStore store, AlertPlanner alerts, TimeProvider time,
    ILogger<LogRuleService> log) : BackgroundService, ILogObserver, IConfigChangeListener, ILogRuleListener
{
    /// <summary>How often waits and silences are checked between lines.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, MonitorStateMachine> _machines = new(StringComparer.Ordinal);
    private LogRuleEngine? _engine;
    private LogSecrets _secrets = LogSecrets.None;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var current = config.Current;
        try
        {
            await ResumeAsync(current, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Rules still run without their past: an incident left open resolves the next time its rule fires and stops.
            ResumeFailed(log, e.Message);
        }
        Build(current);
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Takes up where the last server left off: each rule's saved status and open incident, carried by the engine.</summary>
    private async Task ResumeAsync(BallastConfig current, CancellationToken cancellationToken)
    {
        if (current.Logs.Rules.Count == 0) return;
        var statuses = await store.LoadStatusesAsync(cancellationToken);
        foreach (var rule in current.Logs.Rules)
        {
            var monitor = LogRuleMonitor.For(rule);
            var listed = await store.ListIncidentsAsync(open: true, monitor: monitor.Name, limit: 1, cancellationToken: cancellationToken);
            var open = listed.Count > 0 ? listed[0] : null;
            var machine = new MonitorStateMachine(statuses.GetValueOrDefault(monitor.Name) ?? new MonitorStatus(monitor.Name, MonitorState.Unknown), open);
            if (_machines.TryAdd(monitor.Name, machine) && open is not null) alerts.Resume(open, monitor);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) Volatile.Read(ref _engine)?.Advance();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public void Observe(LogLine line) => Volatile.Read(ref _engine)?.Observe(line);

    public void OnConfigChanged(BallastConfig updated)
    {
        // Windows and waits start over with the new rules; incidents still open are carried, so they resolve once healthy.
        Build(updated);
        Reloaded(log, updated.Logs.Rules.Count);
    }

    private void Build(BallastConfig current)
    {
        Volatile.Write(ref _secrets, LogSecrets.Of(current));
        var engine = new LogRuleEngine(current.Logs.Rules, time, this);
        // Carried as of now, not as of when the incident started: a threshold incident open for longer than its window,
        // with errors still coming, must not resolve at a reload only to open again a few lines later.
        foreach (var rule in current.Logs.Rules)
            if (_machines.TryGetValue(rule.Name, out var machine) && machine.OpenIncident is not null)
                engine.Carry(rule.Name, time.GetUtcNow());
        engine.Advance();
        Volatile.Write(ref _engine, engine);
    }

    public void OnRuleEvent(LogRuleEvent ruleEvent)
    {
        if (!ruleEvent.Firing && ruleEvent.AnyFiring) return; // one key healthy again while another still fires
        var monitor = LogRuleMonitor.For(ruleEvent.Rule);
        var machine = _machines.GetOrAdd(monitor.Name, name => new MonitorStateMachine(new MonitorStatus(name, MonitorState.Unknown), null));
        var cause = ruleEvent.Firing ? LogRuleCause.Describe(ruleEvent, Volatile.Read(ref _secrets)) : null;
        var summary = Volatile.Read(ref _secrets).Mask(ruleEvent.Summary);
        if (ruleEvent.Firing) Fired(log, ruleEvent.Rule.Name, summary);
        else Resolved(log, ruleEvent.Rule.Name, summary);
        lock (machine)
        {
            var now = time.GetUtcNow();
            var result = new CheckResult(monitor.Name, now, TimeSpan.Zero, !ruleEvent.Firing, StoredText.Clean(cause));
            var changed = machine.Apply(result, monitor, () => Guid.CreateVersion7(now).ToString("N"));
            sink.Record(new CheckRecord(result, machine.Status, changed, machine.StatusChanged));
            if (changed is not null) alerts.Observe(changed, monitor, machine.Status.ConsecutiveFailures);
        }
    }

    [LoggerMessage(LogEvents.LogRules.Fired, LogLevel.Warning, "Log rule {Rule} fired: {Summary}")]
    private static partial void Fired(ILogger logger, string rule, string summary);

    [LoggerMessage(LogEvents.LogRules.Resolved, LogLevel.Information, "Log rule {Rule} resolved: {Summary}")]
    private static partial void Resolved(ILogger logger, string rule, string summary);

    [LoggerMessage(LogEvents.LogRules.Reloaded, LogLevel.Information, "Log rules reloaded: {Count} rules, windows and waits start over")]
    private static partial void Reloaded(ILogger logger, int count);

    [LoggerMessage(LogEvents.LogRules.ResumeFailed, LogLevel.Warning, "Log rules start without their open incidents: {Reason}")]
    private static partial void ResumeFailed(ILogger logger, string reason);
}

/// <summary>Registers the log rules' engine as an <see cref="ILogObserver"/> that every source's accepted lines reach.</summary>
public static class LogRuleServices
{
    public static IServiceCollection AddBallastLogRules(this IServiceCollection services)
    {
        services.AddSingleton<LogRuleService>();
        services.AddSingleton<ILogObserver>(sp => sp.GetRequiredService<LogRuleService>());
        services.AddSingleton<IConfigChangeListener>(sp => sp.GetRequiredService<LogRuleService>());
        services.AddHostedService(sp => sp.GetRequiredService<LogRuleService>());
        return services;
    }
}
