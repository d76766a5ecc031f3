import CRMEventLog
import CRMEventLogLMDB
import CRMProjections
import Foundation
import Metrics
import MetricsTestKit

/// `metrics DIR`: bootstraps swift-metrics' test backend in this process (it can be bootstrapped
/// once per process, so the test runs it in a child), appends 3 events in 2 commits, builds the
/// read models, appends 2 more, catches them up and prints each metric as
/// `<name> <dimensions> <value>`.
func metricsProbe(directory: String) async throws {
    let metrics = TestMetrics()
    MetricsSystem.bootstrap(metrics)
    let store = try EventStore(path: directory)
    defer { store.close() }
    func event(_ n: Int) -> NewEvent { NewEvent(type: "ProbeEvent", actor: "probe", payload: Array("\(n)".utf8)) }
    try await store.append(to: "probe-1", events: [event(1), event(2)])
    try await store.append(to: "probe-2", events: [event(3)])
    let state = StateStore(environment: store.environment)
    let first = try ProjectionEngine.rebuild(CRMReadModels.self, store: store)
    _ = first
    let projector = try Projector<CRMReadModels>(store: store, state: state)
    try projector.catchUp()
    try await store.append(to: "probe-3", events: [event(4), event(5)])
    try projector.catchUp(batchSize: 1)

    let lmdb = [("backend", "lmdb")], crm = [("model", CRMReadModels.name)]
    let appended = try metrics.expectCounter(CRMMetrics.appendedEvents, lmdb)
    say("\(CRMMetrics.appendedEvents) backend=lmdb \(appended.totalValue)")
    let sizes = try metrics.expectRecorder(CRMMetrics.commitEvents, lmdb)
    say("\(CRMMetrics.commitEvents) backend=lmdb \(sizes.values.map { String(Int($0)) }.joined(separator: ","))")
    let durations = try metrics.expectTimer(CRMMetrics.commitDuration, lmdb)
    say("\(CRMMetrics.commitDuration) backend=lmdb count=\(durations.values.count) positive=\(durations.values.allSatisfy { $0 > 0 })")
    let folded = try metrics.expectCounter(CRMMetrics.foldedEvents, crm)
    say("\(CRMMetrics.foldedEvents) model=crm \(folded.totalValue)")
    let lag = try metrics.expectGauge(CRMMetrics.projectionLag, crm)
    say("\(CRMMetrics.projectionLag) model=crm \(lag.values.map { String(Int($0)) }.joined(separator: ","))")
    let rate = try metrics.expectRecorder(CRMMetrics.rebuildRate, crm)
    say("\(CRMMetrics.rebuildRate) model=crm count=\(rate.values.count) positive=\(rate.values.allSatisfy { $0 > 0 })")
}
