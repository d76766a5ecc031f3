import Metrics

/// The metrics CRMKit reports through swift-metrics, beside its swift-log messages.
///
/// Nothing is recorded anywhere until the application bootstraps a metrics backend
/// (`MetricsSystem.bootstrap(_:)`, e.g. swift-prometheus); without one every call is a no-op.
///
/// | name | kind | dimensions | what |
/// |---|---|---|---|
/// | `crmkit_log_appended_events_total` | counter | `backend` | events appended (committed) |
/// | `crmkit_log_commit_events` | recorder | `backend` | events per committed transaction (the commit size) |
/// | `crmkit_log_commit_duration` | timer | `backend` | time from the start of a transaction to its durable commit |
/// | `crmkit_projection_folded_events_total` | counter | `model` | events folded into a persisted projection |
/// | `crmkit_projection_lag_events` | gauge | `model` | log head minus the projection's checkpoint, after each stored batch |
/// | `crmkit_projection_rebuild_events_per_second` | recorder | `model` | the rate of each finished in-memory rebuild |
public enum CRMMetrics {
    /// Counter: events appended, by `backend` (`lmdb`, `postgres`).
    public static let appendedEvents = "crmkit_log_appended_events_total"
    /// Recorder: events per committed transaction, by `backend`.
    public static let commitEvents = "crmkit_log_commit_events"
    /// Timer: the duration of a committed transaction, by `backend`.
    public static let commitDuration = "crmkit_log_commit_duration"
    /// Counter: events folded into a persisted projection, by `model`.
    public static let foldedEvents = "crmkit_projection_folded_events_total"
    /// Gauge: how many events a persisted projection is behind the head, by `model`.
    public static let projectionLag = "crmkit_projection_lag_events"
    /// Recorder: events per second of a finished in-memory rebuild, by `model`.
    public static let rebuildRate = "crmkit_projection_rebuild_events_per_second"
}

/// The commit metrics of one log backend, created once per store.
package struct CommitMetrics: Sendable {
    private let appended: Counter
    private let size: Recorder
    private let duration: Metrics.Timer

    /// The metrics of `backend` (`lmdb`, `postgres`).
    package init(backend: String) {
        let dimensions = [("backend", backend)]
        appended = Counter(label: CRMMetrics.appendedEvents, dimensions: dimensions)
        size = Recorder(label: CRMMetrics.commitEvents, dimensions: dimensions)
        duration = Metrics.Timer(label: CRMMetrics.commitDuration, dimensions: dimensions)
    }

    /// Records a committed transaction of `events` events that took `nanoseconds`.
    package func committed(events: Int, nanoseconds: UInt64) {
        guard events > 0 else { return }
        appended.increment(by: events)
        size.record(events)
        duration.recordNanoseconds(Int64(clamping: nanoseconds))
    }
}
