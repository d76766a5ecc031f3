// The paths a user runs, against their SQLite (GRDB) peer (issue 20):
//
//     cd Benchmarks && swift package --allow-writing-to-package-directory benchmark --target UserPathBenchmarks
//
// U1 commands through `CommandHandler` (validated, state folded, personal data sealed, durable)
//    from 1, 8 and 64 concurrent writers; the peer does the same read-check-insert per command,
//    sealing with AES-GCM and keys in its own table.
// U2 `crm import` of a JSON Lines file (domain rules checked, one transaction, durable); the
//    peer parses each line with JSONSerialization and inserts rows; the floor only parses.
// U3 `crm export` of the same history; the peer writes the same lines from its rows.
// U4 `crm rebuild` of the persisted read models (ReadModelMaintenance) against the in-memory
//    `ProjectionEngine.rebuild` of the same models over the same store.
//
// The history (2,000 customers, ~100 k events) is generated once into the temporary directory
// and reused (`History.ensure`).
import Benchmark
import CRMAudit
import CRMDomain
import CRMEventLog
import CRMEventLogLMDB
import CRMProjections
import CRMReports
import Foundation
import GRDB
import SQLitePeer

let eventsPerSecond = BenchmarkMetric.custom("events/s", polarity: .prefersLarger, useScalingFactor: false)
let metrics: [BenchmarkMetric] = [eventsPerSecond, .wallClock, .mallocCountTotal, .peakMemoryResident]
/// Rates in plain counts, so the tables keep their digits.
nonisolated(unsafe) let units: [BenchmarkMetric: BenchmarkUnits] = [eventsPerSecond: .count]

func rate(_ events: Int, _ elapsed: Duration) -> Int {
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    return seconds > 0 ? Int(Double(events) / seconds) : 0
}

/// Times `body`, which returns how many events it handled, and records events/s.
func measure(_ benchmark: Benchmark, _ body: () async throws -> Int) async rethrows {
    benchmark.startMeasurement()
    let start = ContinuousClock.now
    let events = try await body()
    let elapsed = ContinuousClock.now - start
    benchmark.stopMeasurement()
    benchmark.measurement(eventsPerSecond, rate(events, elapsed))
}

/// Per-process state: each benchmark runs in its own process.
final class Fixture: @unchecked Sendable {
    var directory: String?
    var store: EventStore?
    var handler: CommandHandler?
    var peer: SQLitePeer?
    var peerCommands: PeerCommands?
    var decided: [[DecidedCommand]] = []
    var nextCustomer = 0
    var peerPool: DatabasePool?
    var lines: [Data] = []

    func tearDown() {
        store?.close()
        store = nil
        handler = nil
        peer?.close()
        peer = nil
        peerCommands = nil
        peerPool = nil
        removeDirectory(directory)
        directory = nil
    }
}

let fixture = Fixture()

/// Executes the customers' histories `writers` at once, each writer one customer's commands in order.
func runWriters(_ writers: Int, first: Int, _ execute: @escaping @Sendable (_ customer: Int) async throws -> Int) async throws -> Int {
    try await withThrowingTaskGroup(of: Int.self) { group in
        for writer in 0..<writers { group.addTask { try await execute(first + writer) } }
        return try await group.reduce(0, +)
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: metrics, units: units, warmupIterations: 1, maxDuration: .seconds(4), maxIterations: 20)

    // MARK: U1 commands

    for writers in [1, 8, 64] {
        let iterations = writers == 1 ? 60 : writers == 8 ? 30 : 12
        let configuration = Benchmark.Configuration(metrics: metrics, units: units, warmupIterations: 1, maxDuration: .seconds(6),
                                                    maxIterations: iterations)
        Benchmark("U1 commands writers=\(writers): CRMKit (validated, sealed, durable)", configuration: configuration) { benchmark in
            let handler = fixture.handler!
            let first = fixture.nextCustomer
            fixture.nextCustomer += writers
            let histories = (first..<first + writers).map { Commands.history($0) }
            try await measure(benchmark) {
                try await runWriters(writers, first: 0) { index in
                    var events = 0
                    for (command, context) in histories[index] { events += try await handler.execute(command, context: context).events.count }
                    return events
                }
            }
        } setup: {
            let directory = try makeTemporaryDirectory("commands")
            fixture.directory = directory
            let store = try EventStore(path: directory + "/store")
            fixture.store = store
            let vault = try KeyVault(state: StateStore(environment: store.environment), masterKeys: FileMasterKeyStore(path: directory + "/master-key"))
            let handler = CommandHandler(store: store, protector: vault)
            for (command, context) in Commands.staff.commands { try await handler.execute(command, context: context) }
            fixture.handler = handler
        } teardown: {
            fixture.tearDown()
        }

        Benchmark("U1 commands writers=\(writers): GRDB-SQLite (read, check, seal, insert)", configuration: configuration) { benchmark in
            let peer = fixture.peerCommands!
            let first = fixture.nextCustomer
            fixture.nextCustomer += writers
            let decided = fixture.decided
            try await measure(benchmark) {
                try await runWriters(writers, first: first) { customer in
                    let encoder = JSONEncoder()
                    var events = 0
                    for command in decided[customer] { events += try await peer.execute(command, encoder: encoder) }
                    return events
                }
            }
        } setup: {
            let peer = try SQLitePeer(label: "commands")
            fixture.peer = peer
            fixture.peerCommands = PeerCommands(peer: peer, keys: try PeerKeys(pool: peer.pool))
            fixture.decided = try await Commands.decide(0..<(iterations + 2) * writers)
        } teardown: {
            fixture.tearDown()
        }
    }

    // MARK: U2 import, U3 export

    let file = Benchmark.Configuration(metrics: metrics, units: units, warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 8)

    Benchmark("U2 import: CRMKit (JSON Lines, domain rules, one transaction, durable)", configuration: file) { benchmark in
        let directory = try makeTemporaryDirectory("import")
        defer { removeDirectory(directory) }
        let store = try EventStore(path: directory)
        defer { store.close() }
        try await measure(benchmark) { try await JSONLines.importFile(History.exportPath, into: store) }
    } setup: {
        _ = try await History.ensure()
    }

    Benchmark("U2 import: GRDB-SQLite (JSONSerialization per line, rows in one transaction)", configuration: file) { benchmark in
        let directory = try makeTemporaryDirectory("import-sqlite")
        defer { removeDirectory(directory) }
        let pool = try PeerImport.open(directory + "/events.sqlite")
        try await measure(benchmark) { try PeerImport.insert(try PeerImport.lines(of: History.exportPath), into: pool) }
        try pool.close()
    } setup: {
        _ = try await History.ensure()
    }

    Benchmark("U2 import floor: JSONSerialization parse of every line, nothing stored", configuration: file) { benchmark in
        try await measure(benchmark) {
            let lines = try PeerImport.lines(of: History.exportPath)
            _ = try PeerImport.parse(lines)
            return lines.count
        }
    } setup: {
        _ = try await History.ensure()
    }

    Benchmark("U3 export: CRMKit (JSON Lines, synced)", configuration: file) { benchmark in
        let store = fixture.store!
        let target = fixture.directory! + "/out.jsonl"
        try await measure(benchmark) { try JSONLines.export(from: store, to: target) }
        try FileManager.default.removeItem(atPath: target)
    } setup: {
        _ = try await History.ensure()
        fixture.directory = try makeTemporaryDirectory("export")
        fixture.store = try EventStore(path: History.storePath)
    } teardown: {
        fixture.tearDown()
    }

    Benchmark("U3 export: GRDB-SQLite (rows to JSON Lines, synced)", configuration: file) { benchmark in
        let pool = fixture.peerPool!
        let target = fixture.directory! + "/out.jsonl"
        try await measure(benchmark) { try PeerImport.export(pool, to: target) }
        try FileManager.default.removeItem(atPath: target)
    } setup: {
        _ = try await History.ensure()
        fixture.directory = try makeTemporaryDirectory("export-sqlite")
        fixture.peerPool = try PeerImport.open(History.peerPath)
    } teardown: {
        fixture.tearDown()
    }

    // MARK: U4 rebuild

    Benchmark("U4 rebuild: CLI path, persisted (ReadModelMaintenance.rebuild, all five models)", configuration: file) { benchmark in
        let store = fixture.store!
        let state = StateStore(environment: store.environment)
        var report: RebuildReport?
        try await measure(benchmark) {
            report = try ReadModelMaintenance.rebuild(store: store, state: state)
            return Int(try store.head())
        }
        // The generation it replaced, so every iteration writes a new one beside the served one.
        if let previous = report?.previousGeneration { try Projector<CRMReadModels>.drop(state: state, generation: previous) }
    } setup: {
        _ = try await History.ensure()
        let directory = try makeTemporaryDirectory("rebuild")
        fixture.directory = directory
        try FileManager.default.copyItem(atPath: History.storePath + "/data.mdb", toPath: directory + "/data.mdb")
        fixture.store = try EventStore(path: directory)
    } teardown: {
        fixture.tearDown()
    }

    Benchmark("U4 rebuild: in memory (ProjectionEngine.rebuild, all five models)", configuration: file) { benchmark in
        let store = fixture.store!
        try await measure(benchmark) {
            let models = try ProjectionEngine.rebuild(CRMReadModels.self, store: store)
            blackHole(models)
            return Int(try store.head())
        }
    } setup: {
        _ = try await History.ensure()
        fixture.store = try EventStore(path: History.storePath)
    } teardown: {
        fixture.tearDown()
    }
}
