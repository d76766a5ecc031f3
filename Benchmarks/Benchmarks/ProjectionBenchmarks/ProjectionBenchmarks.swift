// Projections (issue 4): rebuilds of the read models from the cached 10 M-event dataset, the
// customer-360 read of a stored record, and the same rebuild from the SQLite peer (GRDB +
// JSONDecoder), in one run.
//
//     cd Benchmarks && swift package benchmark --no-progress --target ProjectionBenchmarks
//
// The dataset (Benchmarks/.benchmarkData/crm-10m) is generated on first use, which takes
// minutes; `swift run -c release ProjectionRun prepare` makes it beforehand. See
// docs/benchmarks.md, "Projections (issue 4)".
import Benchmark
import CRMDomain
import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import GRDB
import ProjectionData
import RawLMDB

let eventsPerSecond = BenchmarkMetric.custom("events/s", polarity: .prefersLarger, useScalingFactor: false)
let mallocsPerEvent = BenchmarkMetric.custom("mallocs/event ×1000", polarity: .prefersSmaller, useScalingFactor: false)
nonisolated(unsafe) let countUnits: [BenchmarkMetric: BenchmarkUnits] = [eventsPerSecond: .count, mallocsPerEvent: .count]

/// Per-process state: each benchmark runs in its own process.
final class Fixture: @unchecked Sendable {
    var store: EventStore?
    var events = 0
    var queue: DatabaseQueue?
    var state: PersistedState?
    var keys: [[UInt8]] = []
    var random = SystemRandomNumberGenerator()

    func openStore() async throws -> EventStore {
        let marker = try await Dataset.ensure()
        let store = try EventStore.openReadOnly(path: Dataset.storePath)
        self.store = store
        events = Int(marker.events)
        return store
    }

    func tearDown() {
        store?.close()
        store = nil
        try? queue?.close()
        queue = nil
        state = nil
        keys = []
    }
}

let fixture = Fixture()

func rate(_ events: Int, _ elapsed: Duration) -> Int {
    let seconds = seconds(elapsed)
    return seconds > 0 ? Int(Double(events) / seconds) : 0
}

/// Times `body` over `events` events and records events/s for the iteration.
func measure(_ benchmark: Benchmark, events: Int, _ body: () throws -> Void) rethrows {
    benchmark.startMeasurement()
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    benchmark.stopMeasurement()
    benchmark.measurement(eventsPerSecond, rate(events, elapsed))
}

let benchmarks: @Sendable () -> Void = {
    let rebuildMetrics: [BenchmarkMetric] = [eventsPerSecond, .wallClock, .mallocCountTotal, .peakMemoryResident]
    let rebuild = Benchmark.Configuration(metrics: rebuildMetrics, timeUnits: .milliseconds, units: countUnits,
                                          warmupIterations: 1, maxDuration: .seconds(120), maxIterations: 5)

    // Issue 5: the full replay with decoding, against raw LMDB (C cursor scan of the same log,
    // nothing decoded) and the SQLite peer (every payload through JSONDecoder).
    Benchmark("P0 replay 10M: raw LMDB cursor scan of the log (C, no decoding)", configuration: rebuild) { benchmark in
        var entries: UInt64 = 0, bytes: UInt64 = 0
        try measure(benchmark, events: fixture.events) {
            let rc = raw_lmdb_scan_named(Dataset.storePath, "log", &entries, &bytes)
            guard rc == 0 else { throw DatasetError("raw LMDB scan failed: \(rc)") }
        }
        precondition(Int(entries) == fixture.events, "scanned \(entries) of \(fixture.events)")
    } setup: {
        // The marker only: this process must not hold the store open while C opens it.
        fixture.events = Int(try await Dataset.ensure().events)
    }

    Benchmark("P0 replay 10M: CRMKit scan + decode every event", configuration: rebuild) { benchmark in
        let store = fixture.store!
        let registry = EventRegistry()
        var decoded = 0
        try measure(benchmark, events: fixture.events) {
            decoded = 0
            try store.scan(.all) { view in
                let event = try registry.decode(view)
                if case .unknown = event {} else { decoded += 1 }
            }
        }
        precondition(decoded == fixture.events)
    } setup: {
        _ = try await fixture.openStore()
    } teardown: {
        fixture.tearDown()
    }

    // (a) all four read models in one fold; (b) each model alone.
    for model in ModelChoice.allCases {
        let name = model == .crm ? "P1 rebuild 10M: CRMReadModels (all four)" : "P2 rebuild 10M: \(model.rawValue) alone"
        Benchmark(name, configuration: rebuild) { benchmark in
            let store = fixture.store!
            var size = 0
            try measure(benchmark, events: fixture.events) {
                size = try model.rebuild(store)
            }
            precondition(size > 0)
        } setup: {
            _ = try await fixture.openStore()
        } teardown: {
            fixture.tearDown()
        }
    }

    // (c) one customer's stored customer-360 record: one LMDB get in a read transaction, then
    // the record decoded; random customers of the 100 k.
    let read = Benchmark.Configuration(metrics: [.wallClock, .mallocCountTotal, .throughput], timeUnits: .nanoseconds,
                                       warmupIterations: 1_000, maxDuration: .seconds(10), maxIterations: 200_000)
    Benchmark("P3 customer-360 stored read: get + decode record", configuration: read) { benchmark in
        let key = fixture.keys[Int.random(in: 0..<fixture.keys.count, using: &fixture.random)]
        benchmark.startMeasurement()
        let record = try fixture.state!.value(for: key).map { try CustomerRecord(record: $0) }
        benchmark.stopMeasurement()
        precondition(record != nil)
        blackHole(record)
    } setup: {
        let store = try await fixture.openStore()
        fixture.state = try PersistedState(state: StateStore(environment: store.environment), model: CRMReadModels.name)
        fixture.keys = Dataset.customerIDs().map { [0, 1] + $0.keyBytes }
    } teardown: {
        fixture.tearDown()
    }

    Benchmark("P3 customer-360 stored read: get only", configuration: read) { benchmark in
        let key = fixture.keys[Int.random(in: 0..<fixture.keys.count, using: &fixture.random)]
        benchmark.startMeasurement()
        let bytes = try fixture.state!.value(for: key)
        benchmark.stopMeasurement()
        precondition(bytes != nil)
        blackHole(bytes)
    } setup: {
        let store = try await fixture.openStore()
        fixture.state = try PersistedState(state: StateStore(environment: store.environment), model: CRMReadModels.name)
        fixture.keys = Dataset.customerIDs().map { [0, 1] + $0.keyBytes }
    } teardown: {
        fixture.tearDown()
    }

    // (e) the same rebuild from the SQLite peer: rows in position order through GRDB, each
    // payload decoded by JSONDecoder into its catalog struct, folded into CRMReadModels.
    let sqlite = Benchmark.Configuration(metrics: rebuildMetrics, timeUnits: .milliseconds, units: countUnits,
                                         warmupIterations: 0, maxDuration: .seconds(1), maxIterations: 2)
    Benchmark("P0 replay 10M: GRDB-SQLite SELECT + JSONDecoder every payload", configuration: sqlite) { benchmark in
        let queue = fixture.queue!
        var rows = 0
        try measure(benchmark, events: fixture.events) {
            rows = try SQLitePeerRead.read(queue, filter: .all, nil)
        }
        precondition(rows == fixture.events, "decoded \(rows) of \(fixture.events)")
    } setup: {
        _ = try await fixture.openStore()
        fixture.queue = try SQLitePeerRead.open()
    } teardown: {
        fixture.tearDown()
    }

    // (e) and issue 5: every rebuild of P1/P2 from SQLite (a model alone decodes only the rows of
    // the types it folds, as the CRMKit fold does).
    for model in ModelChoice.allCases {
        let name = model == .crm ? "P4 rebuild 10M: CRMReadModels from GRDB-SQLite + JSONDecoder"
                                 : "P4 rebuild 10M: \(model.rawValue) alone from GRDB-SQLite + JSONDecoder"
        Benchmark(name, configuration: sqlite) { benchmark in
            let queue = fixture.queue!
            var folded = 0
            try measure(benchmark, events: fixture.events) {
                let (size, rows) = try model.rebuildFromSQLite(queue)
                folded = rows
                blackHole(size)
            }
            precondition(folded == fixture.events, "read \(folded) of \(fixture.events)")
        } setup: {
            _ = try await fixture.openStore()
            fixture.queue = try SQLitePeerRead.open()
        } teardown: {
            fixture.tearDown()
        }
    }

    // P5: the live path (Projector.catchUp and .follow) and its SQLite peers; see LiveBenchmarks.swift.
    liveBenchmarks()
}
