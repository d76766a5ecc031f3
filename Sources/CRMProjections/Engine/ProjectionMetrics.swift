import CRMEventLog
import Metrics

/// The swift-metrics of one persisted projection (see `CRMMetrics` for the names): events
/// folded into its stored state and how far it is behind the log's head.
struct ProjectionMetrics: Sendable {
    private let folded: Counter
    private let lag: Gauge

    /// The metrics of the read model `model` (its ``ReadModel/name``).
    init(model: String) {
        folded = Counter(label: CRMMetrics.foldedEvents, dimensions: [("model", model)])
        lag = Gauge(label: CRMMetrics.projectionLag, dimensions: [("model", model)])
    }

    /// Records a stored batch of `events` events that brought the checkpoint to `checkpoint`
    /// while the head was `head`.
    func stored(events: Int, checkpoint: UInt64, head: UInt64) {
        if events > 0 { folded.increment(by: events) }
        lag.record(Double(head > checkpoint ? head - checkpoint : 0))
    }

    /// Records the rate of a finished in-memory rebuild of `model` over `events` positions.
    static func rebuilt(model: String, events: UInt64, nanoseconds: UInt64) {
        guard nanoseconds > 0, events > 0 else { return }
        Recorder(label: CRMMetrics.rebuildRate, dimensions: [("model", model)])
            .record(Double(events) / (Double(nanoseconds) / 1_000_000_000))
    }
}
