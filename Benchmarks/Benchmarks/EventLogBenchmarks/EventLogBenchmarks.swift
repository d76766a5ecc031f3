// CRMKit event log against its SQLite peer (GRDB) and raw LMDB (C), workload by workload.
//
//     cd Benchmarks && swift package --allow-writing-to-package-directory benchmark
//
// Every benchmark reports `events/s` (a custom metric computed over the timed part of each
// iteration) next to the package's own throughput, wall clock, malloc and memory metrics. Each
// benchmark runs in its own process; its store lives in a fresh directory under the temporary
// directory and is removed in teardown.
import Benchmark
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import GRDB
import RawLMDB
import SQLitePeer

let eventsPerSecond = BenchmarkMetric.custom("events/s", polarity: .prefersLarger, useScalingFactor: false)
let eventsPerCommit = BenchmarkMetric.custom("events per commit", polarity: .prefersLarger, useScalingFactor: false)

let commonMetrics: [BenchmarkMetric] = [eventsPerSecond, .throughput, .wallClock, .mallocCountTotal, .peakMemoryResident]
/// Rates in plain counts, so the tables keep their digits (automatic units round to whole K or M).
nonisolated(unsafe) let countUnits: [BenchmarkMetric: BenchmarkUnits] = [eventsPerSecond: .count, eventsPerCommit: .count]

/// Per-process state: each benchmark runs in its own process, so one slot of each kind is enough.
final class Fixture: @unchecked Sendable {
    var store: EventStore?
    var storeDirectory: String?
    var peer: SQLitePeer?
    var raw: RawStore?
    var rawIndexed: RawIndexedStore?
    var counter = 0

    func next(_ n: Int) -> Int {
        defer { counter += n }
        return counter
    }

    func openStore(durability: EventStore.Durability) throws -> EventStore {
        let directory = try makeTemporaryDirectory("crmkit")
        storeDirectory = directory
        let store = try EventStore(path: directory, configuration: .init(durability: durability))
        self.store = store
        return store
    }

    func tearDown() {
        store?.close()
        store = nil
        removeDirectory(storeDirectory)
        storeDirectory = nil
        peer?.close()
        peer = nil
        raw?.close()
        raw = nil
        rawIndexed?.close()
        rawIndexed = nil
        counter = 0
    }
}

let fixture = Fixture()

/// Times `body`, which handles `events` events, and records events/s for the iteration.
@inline(__always)
func measure(_ benchmark: Benchmark, events: Int, _ body: () throws -> Void) rethrows {
    benchmark.startMeasurement()
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    benchmark.stopMeasurement()
    benchmark.measurement(eventsPerSecond, rate(events, elapsed))
}

@inline(__always)
func measure(_ benchmark: Benchmark, events: Int, _ body: () async throws -> Void) async rethrows {
    benchmark.startMeasurement()
    let start = ContinuousClock.now
    try await body()
    let elapsed = ContinuousClock.now - start
    benchmark.stopMeasurement()
    benchmark.measurement(eventsPerSecond, rate(events, elapsed))
}

func rate(_ events: Int, _ elapsed: Duration) -> Int {
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    return seconds > 0 ? Int(Double(events) / seconds) : 0
}

/// Loads `Workload.scanEvents` events into a CRMKit store (not durable: only the read is measured).
func loadCRMKit(_ store: EventStore) async throws {
    var loaded = 0
    while loaded < Workload.scanEvents {
        _ = try await store.append(Workload.crmBatch(first: loaded))
        loaded += Workload.batchSize
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: commonMetrics,
        timeUnits: .microseconds,
        warmupIterations: 1,
        maxDuration: .seconds(3),
        maxIterations: 30
    )

    // MARK: 1. Batched append: 10,000 events per durable transaction

    let batched = Benchmark.Configuration(metrics: commonMetrics, units: countUnits, warmupIterations: 1, maxDuration: .seconds(3), maxIterations: 25)

    // The CRMKit runs: durable with the default ids; two diagnostics, one without fsync
    // (MDB_NOSYNC, separating CPU from sync cost) and one with random version-4 ids.
    let batchedRuns: [(name: String, durability: EventStore.Durability, randomIDs: Bool)] = [
        ("1 batched 10k/txn: CRMKit", .durable, false),
        ("1 batched 10k/txn: CRMKit relaxed (no sync, diagnostic)", .relaxed, false),
        ("1 batched 10k/txn: CRMKit random ids (diagnostic)", .durable, true),
    ]
    for run in batchedRuns {
        Benchmark(run.name, configuration: batched) { benchmark in
            let store = fixture.store!
            let batch = Workload.crmBatch(first: fixture.next(Workload.batchSize), randomIDs: run.randomIDs)
            try await measure(benchmark, events: Workload.batchSize) {
                _ = try await store.append(batch)
            }
        } setup: {
            _ = try fixture.openStore(durability: run.durability)
        } teardown: {
            fixture.tearDown()
        }
    }

    Benchmark("1 batched 10k/txn: GRDB-SQLite", configuration: batched) { benchmark in
        let peer = fixture.peer!
        let batch = Workload.peerBatch(first: fixture.next(Workload.batchSize))
        try measure(benchmark, events: Workload.batchSize) {
            try peer.pool.write { db in try SQLitePeer.append(db, batch) }
        }
    } setup: {
        fixture.peer = try SQLitePeer(label: "batched")
    } teardown: {
        fixture.tearDown()
    }

    Benchmark("1 batched 10k/txn: raw LMDB, matched record size", configuration: batched) { benchmark in
        let raw = fixture.raw!
        try measure(benchmark, events: Workload.batchSize) {
            try RawStore.check(raw_lmdb_append_batch(raw.handle, UInt64(Workload.batchSize), Workload.matchedRecordBytes), "batch")
        }
    } setup: {
        fixture.raw = try RawStore(label: "batched")
    } teardown: {
        fixture.tearDown()
    }

    Benchmark("1 batched 10k/txn: raw LMDB, CRMKit layout", configuration: batched) { benchmark in
        let raw = fixture.rawIndexed!
        let first = fixture.next(Workload.batchSize)
        try measure(benchmark, events: Workload.batchSize) {
            try RawStore.check(
                raw_indexed_batch(
                    raw.handle, UInt64(Workload.batchSize), UInt64(Workload.batchStreams),
                    UInt64(first / (Workload.batchSize / Workload.batchStreams)), Workload.matchedRecordBytes),
                "indexed batch")
        }
    } setup: {
        fixture.rawIndexed = try RawIndexedStore(label: "batched")
    } teardown: {
        fixture.tearDown()
    }

    Benchmark("1 batched 10k/txn: raw LMDB, 128 B values", configuration: batched) { benchmark in
        let raw = fixture.raw!
        try measure(benchmark, events: Workload.batchSize) {
            try RawStore.check(raw_lmdb_append_batch(raw.handle, UInt64(Workload.batchSize), 128), "batch")
        }
    } setup: {
        fixture.raw = try RawStore(label: "batched128")
    } teardown: {
        fixture.tearDown()
    }

    // MARK: 2. Single-event durable appends, one writer

    let single = Benchmark.Configuration(metrics: commonMetrics, units: countUnits, warmupIterations: 10, maxDuration: .seconds(3), maxIterations: 5_000)

    // Durable, and a diagnostic without fsync: the per-append cost of the async path and the
    // transaction alone.
    for (name, durability) in [("2 single-event durable: CRMKit", EventStore.Durability.durable),
                               ("2 single-event relaxed: CRMKit (no sync, diagnostic)", .relaxed)] {
        Benchmark(name, configuration: single) { benchmark in
            let store = fixture.store!
            let n = fixture.next(1)
            let stream = Workload.stream(n)
            let event = Workload.newEvent(n)
            try await measure(benchmark, events: 1) {
                _ = try await store.append(to: stream, events: [event])
            }
        } setup: {
            _ = try fixture.openStore(durability: durability)
        } teardown: {
            fixture.tearDown()
        }
    }

    Benchmark("2 single-event durable: GRDB-SQLite", configuration: single) { benchmark in
        let peer = fixture.peer!
        let n = fixture.next(1)
        let batch = [(stream: Workload.stream(n), events: [PeerEvent(n)])]
        try measure(benchmark, events: 1) {
            try peer.pool.write { db in try SQLitePeer.append(db, batch) }
        }
    } setup: {
        fixture.peer = try SQLitePeer(label: "single")
    } teardown: {
        fixture.tearDown()
    }

    Benchmark("2 single-event durable: raw LMDB", configuration: single) { benchmark in
        let raw = fixture.raw!
        try measure(benchmark, events: 1) {
            try RawStore.check(raw_lmdb_single_commits(raw.handle, 1, Workload.matchedRecordBytes), "single")
        }
    } setup: {
        fixture.raw = try RawStore(label: "single")
    } teardown: {
        fixture.tearDown()
    }

    Benchmark("2 single-event durable: raw LMDB, CRMKit layout", configuration: single) { benchmark in
        let raw = fixture.rawIndexed!
        let n = fixture.next(1)
        try measure(benchmark, events: 1) {
            try RawStore.check(raw_indexed_batch(raw.handle, 1, 1, UInt64(n), Workload.matchedRecordBytes), "indexed single")
        }
    } setup: {
        fixture.rawIndexed = try RawIndexedStore(label: "single")
    } teardown: {
        fixture.tearDown()
    }

    // MARK: 3. Durable single-event appends from 1, 8 and 64 concurrent writers

    let concurrent = Benchmark.Configuration(
        metrics: commonMetrics + [eventsPerCommit], units: countUnits, warmupIterations: 1, maxDuration: .seconds(3), maxIterations: 20)

    for writers in [1, 8, 64] {
        // Appends per writer per iteration: an iteration handles 200 to 3,200 events.
        let perWriter = max(50, 200 / writers)
        let total = writers * perWriter

        Benchmark("3 concurrent writers=\(writers): CRMKit", configuration: concurrent) { benchmark in
            let store = fixture.store!
            let first = fixture.next(total)
            let work: [(String, [NewEvent])] = (0..<writers).map { w in
                let customer = first + w * perWriter
                return (Workload.stream(customer), (0..<perWriter).map { Workload.newEvent(customer + $0) })
            }
            let before = store.statistics
            try await measure(benchmark, events: total) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (stream, events) in work {
                        group.addTask {
                            for event in events {
                                _ = try await store.append(to: stream, events: [event])
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            // `writeTransactions` is counted before the appends return (`eventsAppended` only after
            // the continuations are resumed), so the mean batch is events over commits.
            let commits = store.statistics.writeTransactions - before.writeTransactions
            if commits > 0 {
                benchmark.measurement(eventsPerCommit, Int((Double(total) / Double(commits)).rounded()))
            }
        } setup: {
            _ = try fixture.openStore(durability: .durable)
        } teardown: {
            fixture.tearDown()
        }

        Benchmark("3 concurrent writers=\(writers): GRDB-SQLite", configuration: concurrent) { benchmark in
            let peer = fixture.peer!
            let first = fixture.next(total)
            let work: [(String, [PeerEvent])] = (0..<writers).map { w in
                let customer = first + w * perWriter
                return (Workload.stream(customer), (0..<perWriter).map { PeerEvent(customer + $0) })
            }
            try await measure(benchmark, events: total) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (stream, events) in work {
                        group.addTask {
                            for event in events {
                                try await peer.pool.write { db in try SQLitePeer.append(db, [(stream, [event])]) }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
        } setup: {
            fixture.peer = try SQLitePeer(label: "concurrent\(writers)")
        } teardown: {
            fixture.tearDown()
        }

        Benchmark("3 concurrent writers=\(writers): raw LMDB, txn per event", configuration: concurrent) { benchmark in
            let raw = fixture.raw!
            try measure(benchmark, events: total) {
                try RawStore.check(
                    raw_lmdb_concurrent_commits(raw.handle, Int32(writers), UInt64(perWriter), Workload.matchedRecordBytes),
                    "concurrent")
            }
        } setup: {
            fixture.raw = try RawStore(label: "concurrent\(writers)")
        } teardown: {
            fixture.tearDown()
        }
    }

    // MARK: 4. Full forward read of 1 M events without decoding payloads

    /// Writes every dirty page of the machine to disk before a scan is timed: the scans load
    /// their 1 M events without syncing (and follow the append benchmarks), and the kernel's
    /// writeback of those pages would otherwise run during the timed scan, on the same two
    /// cores — the spread of the scan's median between runs (docs/benchmarks.md).
    func settleWriteback() {
        sync()
    }

    let scan = Benchmark.Configuration(metrics: commonMetrics, units: countUnits, warmupIterations: 1, maxDuration: .seconds(4), maxIterations: 10)

    Benchmark("4 forward scan 1M: CRMKit scan", configuration: scan) { benchmark in
        let store = fixture.store!
        var count = 0
        var bytes = 0
        try measure(benchmark, events: Workload.scanEvents) {
            try store.scan(.all) { view in
                count += 1
                bytes &+= view.bytes.count
            }
        }
        precondition(count == Workload.scanEvents, "scanned \(count)")
        blackHole(bytes)
    } setup: {
        let store = try fixture.openStore(durability: .relaxed)
        try await loadCRMKit(store)
        settleWriteback()
    } teardown: {
        fixture.tearDown()
    }

    Benchmark("4 forward scan 1M: GRDB-SQLite SELECT", configuration: scan) { benchmark in
        let peer = fixture.peer!
        var count = 0
        var bytes = 0
        try measure(benchmark, events: Workload.scanEvents) {
            try peer.pool.read { db in
                let rows = try Row.fetchCursor(db, sql: "SELECT position, stream, version, type, payload FROM events ORDER BY position")
                while let row = try rows.next() {
                    count += 1
                    bytes &+= try row.withUnsafeData(atIndex: 4) { $0?.count ?? 0 }
                }
            }
        }
        precondition(count == Workload.scanEvents, "scanned \(count)")
        blackHole(bytes)
    } setup: {
        let peer = try SQLitePeer(label: "scan")
        fixture.peer = peer
        var loaded = 0
        while loaded < Workload.scanEvents {
            let batch = Workload.peerBatch(first: loaded)
            try peer.pool.write { db in try SQLitePeer.append(db, batch) }
            loaded += Workload.batchSize
        }
        settleWriteback()
    } teardown: {
        fixture.tearDown()
    }

    Benchmark("4 forward scan 1M: raw LMDB cursor", configuration: scan) { benchmark in
        let raw = fixture.raw!
        var entries: UInt64 = 0
        var bytes: UInt64 = 0
        try measure(benchmark, events: Workload.scanEvents) {
            try RawStore.check(raw_lmdb_scan(raw.handle, &entries, &bytes), "scan")
        }
        precondition(entries == UInt64(Workload.scanEvents), "scanned \(entries)")
        blackHole(bytes)
    } setup: {
        let raw = try RawStore(label: "scan", noSync: true)
        fixture.raw = raw
        var loaded = 0
        while loaded < Workload.scanEvents {
            try RawStore.check(raw_lmdb_append_batch(raw.handle, UInt64(Workload.batchSize), Workload.matchedRecordBytes), "load")
            loaded += Workload.batchSize
        }
        settleWriteback()
    } teardown: {
        fixture.tearDown()
    }
}
