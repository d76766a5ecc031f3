import CRMDomain
import CRMProjections
import CRMSimulation
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import GRDB
import Synchronization

/// The projection benchmarks' data: a seeded CRM history of ≥ 10 M events for 100 k customers,
/// appended through `CommandHandler` (every command validated), generated once and kept under
/// `Benchmarks/.benchmarkData/crm-10m/`:
///
/// - `store/` — the CRMKit event store, plus the persisted `CRMReadModels` (generation `bench`,
///   activated) that the customer-360 read benchmark reads;
/// - `peer.sqlite` — the same events in a SQLite table (GRDB): position, stream, version, type,
///   occurred_at (µs), payload = `JSONEncoder` of the catalog struct;
/// - `dataset.json` — the marker: spec (seed, customers, events per customer), event count and
///   how long each part took. A part whose marker entry is missing or whose spec differs is
///   made again.
///
/// `CRMKIT_BENCH_DATA` overrides the directory.
public enum Dataset {
    /// What is generated; a change of any field regenerates everything.
    public struct Spec: Codable, Equatable, Sendable {
        public var format = 1
        public var seed: UInt64 = 2026
        /// `CRMKIT_BENCH_CUSTOMERS` shrinks the dataset for a quick trial (with `CRMKIT_BENCH_DATA`).
        public var customers = Int(ProcessInfo.processInfo.environment["CRMKIT_BENCH_CUSTOMERS"] ?? "") ?? 100_000
        public var eventsPerCustomer = 100
        public var staff = 24
        public init() {}
    }

    /// What the marker file records.
    public struct Marker: Codable, Sendable {
        public var spec: Spec
        public var events: UInt64
        public var writers: Int
        public var generationSeconds: Double
        public var generatedAt: String
        public var commitTransactions: Int
        public var persistedGeneration: String?
        public var persistSeconds: Double?
        public var sqliteRows: Int?
        public var sqliteSeconds: Double?
        public var storeBytes: Int?
        public var sqliteBytes: Int?
    }

    public static let spec = Spec()
    /// The generation of `CRMReadModels` the read benchmark uses.
    public static let persistedGeneration = "bench"

    /// `Benchmarks/.benchmarkData/crm-10m`, found from this source file's location.
    public static var directory: String {
        if let path = ProcessInfo.processInfo.environment["CRMKIT_BENCH_DATA"], !path.isEmpty { return path }
        let benchmarks = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return benchmarks.appendingPathComponent(".benchmarkData/crm-10m").path
    }

    public static var storePath: String { directory + "/store" }
    public static var sqlitePath: String { directory + "/peer.sqlite" }
    static var markerPath: String { directory + "/dataset.json" }

    public static func readMarker() -> Marker? {
        guard let data = FileManager.default.contents(atPath: markerPath),
              let marker = try? JSONDecoder().decode(Marker.self, from: data), marker.spec == spec,
              FileManager.default.fileExists(atPath: storePath + "/data.mdb")
        else { return nil }
        return marker
    }

    static func write(_ marker: Marker) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(marker).write(to: URL(fileURLWithPath: markerPath), options: .atomic)
    }

    /// The customers' ids (customer number → id), as the generator makes them.
    public static func customerIDs() -> [CustomerID] {
        (0..<spec.customers).map { HistoryGenerator(customer: $0, seed: spec.seed, events: spec.eventsPerCustomer, employees: []).id }
    }

    /// Makes whatever part of the data is missing and returns the marker.
    @discardableResult
    public static func ensure(writers: Int = 384, log: @escaping @Sendable (String) -> Void = { say($0) }) async throws -> Marker {
        var marker: Marker
        if let existing = readMarker() {
            marker = existing
        } else {
            log("no dataset at \(directory) (or another spec): generating \(spec)")
            try? FileManager.default.removeItem(atPath: directory)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            marker = try await generate(writers: writers, log: log)
            try write(marker)
        }
        if marker.persistedGeneration == persistedGeneration, !storedRecordsReadable() {
            log("the stored CRMReadModels cannot be read by this build (its record format changed): persisting again")
            marker.persistedGeneration = nil
        }
        if marker.persistedGeneration != persistedGeneration {
            let started = ContinuousClock.now
            try persistReadModels(log: log)
            marker.persistedGeneration = persistedGeneration
            marker.persistSeconds = seconds(ContinuousClock.now - started)
            marker.storeBytes = fileSize(storePath + "/data.mdb")
            try write(marker)
        }
        if marker.sqliteRows == nil || !FileManager.default.fileExists(atPath: sqlitePath) {
            let started = ContinuousClock.now
            let rows = try buildSQLitePeer(log: log)
            marker.sqliteRows = rows
            marker.sqliteSeconds = seconds(ContinuousClock.now - started)
            marker.sqliteBytes = fileSize(sqlitePath)
            try write(marker)
        }
        return marker
    }

    // MARK: Generation

    /// Appends the staff and every customer's history through `CommandHandler`, `writers`
    /// tasks at once (each takes customers writer, writer + writers, …), on a store opened with
    /// `durability: .relaxed` (no fsync; group commit batches the concurrent appends).
    static func generate(writers: Int, log: @escaping @Sendable (String) -> Void) async throws -> Marker {
        let store = try EventStore(path: storePath, configuration: .init(initialMapSize: 8 << 30, durability: .relaxed))
        defer { store.close() }
        let handler = CommandHandler(store: store)
        let spec = spec
        let started = ContinuousClock.now
        let (employees, staffing) = SimulatedStaff.make(seed: spec.seed, count: spec.staff)
        for (command, context) in staffing { try await handler.execute(command, context: context) }
        let progress = GenerationProgress()
        let monitor = Task.detached {
            var last = 0
            var lastTime = ContinuousClock.now
            while !progress.done.load(ordering: .relaxed) {
                try? await Task.sleep(for: .seconds(10))
                let now = ContinuousClock.now, count = progress.appended.load(ordering: .relaxed)
                log("  \(count) events appended, \(Int(Double(count - last) / seconds(now - lastTime))) events/s over the last stretch")
                last = count
                lastTime = now
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var customer = writer
                    while customer < spec.customers {
                        var generator = HistoryGenerator(customer: customer, seed: spec.seed, events: spec.eventsPerCustomer, employees: employees)
                        while let (command, context) = generator.next() {
                            let result = try await handler.execute(command, context: context)
                            progress.appended.add(result.events.count, ordering: .relaxed)
                        }
                        customer += writers
                    }
                }
            }
            try await group.waitForAll()
        }
        progress.done.store(true, ordering: .relaxed)
        monitor.cancel()
        try store.environment.sync(force: true)
        let elapsed = seconds(ContinuousClock.now - started)
        let head = try store.head()
        let stats = store.statistics
        log("generated \(head) events in \(String(format: "%.1f", elapsed)) s (\(Int(Double(head) / elapsed)) events/s), "
            + "\(stats.writeTransactions) transactions, \(writers) writers")
        return Marker(spec: spec, events: head, writers: writers, generationSeconds: elapsed,
                      generatedAt: ISO8601DateFormatter().string(from: Date()), commitTransactions: stats.writeTransactions,
                      storeBytes: fileSize(storePath + "/data.mdb"))
    }

    /// Persists `CRMReadModels` as generation `bench` (a rebuild written in batches) and
    /// activates it.
    static func persistReadModels(log: @Sendable (String) -> Void) throws {
        let store = try EventStore(path: storePath, configuration: .init(initialMapSize: 8 << 30, durability: .relaxed))
        defer { store.close() }
        let started = ContinuousClock.now
        let projector = try Projector<CRMReadModels>.rebuild(store: store, state: StateStore(environment: store.environment), rules: .standard, generation: persistedGeneration)
        try projector.activate()
        try store.environment.sync(force: true)
        log("persisted CRMReadModels (generation \(persistedGeneration), checkpoint \(projector.checkpoint)) in "
            + String(format: "%.1f s", seconds(ContinuousClock.now - started)))
    }

    /// Whether this build reads the stored customer-360 records (a change of a record's fields
    /// makes the persisted generation stale).
    static func storedRecordsReadable() -> Bool {
        guard let store = try? EventStore.openReadOnly(path: storePath) else { return false }
        defer { store.close() }
        guard let state = try? PersistedState(state: StateStore(environment: store.environment), model: CRMReadModels.name, generation: persistedGeneration) else { return false }
        for id in customerIDs().prefix(3) {
            guard let bytes = try? state.value(for: [0, 1] + id.keyBytes), (try? CustomerRecord(record: bytes)) != nil else { return false }
        }
        return true
    }

    // MARK: The SQLite peer

    /// Copies the log into `peer.sqlite`: one row per event, the payload as the JSON of the
    /// catalog struct. The first 20,000 payloads are decoded back and compared with the event.
    static func buildSQLitePeer(log: @Sendable (String) -> Void) throws -> Int {
        try? FileManager.default.removeItem(atPath: sqlitePath)
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: sqlitePath + suffix) }
        let store = try EventStore.openReadOnly(path: storePath)
        defer { store.close() }
        let queue = try DatabaseQueue(path: sqlitePath)
        try queue.writeWithoutTransaction { db in
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = OFF")
            try db.execute(sql: """
                CREATE TABLE events (
                    position INTEGER PRIMARY KEY,
                    stream TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    type TEXT NOT NULL,
                    occurred_at INTEGER NOT NULL,
                    payload TEXT NOT NULL
                )
                """)
        }
        let registry = EventRegistry()
        let encoder = JSONEncoder()
        let decoder = JSONDecoder()
        let head = try store.head()
        let chunk: UInt64 = 50_000
        var from: UInt64 = 1
        var rows = 0
        let started = ContinuousClock.now
        struct PeerRow { var position: Int64, stream: String, version: Int64, type: String, occurredAt: Int64, payload: String }
        var batch: [PeerRow] = []
        while from <= head {
            let through = min(head, from + chunk - 1)
            batch.removeAll(keepingCapacity: true)
            try store.scan(.all, from: from, through: through) { view in
                let event = try registry.decode(view)
                let (type, json) = try CatalogJSON.encode(event, with: encoder)
                if rows + batch.count < 20_000 {
                    guard let decode = CatalogJSON.decoders[type], try decode(decoder, json) == event else {
                        throw DatasetError("JSON round trip changed the event at \(view.position): \(event)")
                    }
                }
                batch.append(PeerRow(position: Int64(view.position), stream: String(decoding: view.streamBytes, as: UTF8.self),
                                 version: Int64(view.streamVersion), type: type, occurredAt: view.occurredAtMicros,
                                 payload: String(decoding: json, as: UTF8.self)))
            }
            try queue.write { db in
                let statement = try db.makeStatement(sql: "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)")
                for row in batch {
                    statement.setUncheckedArguments([row.position, row.stream, row.version, row.type, row.occurredAt, row.payload])
                    try statement.execute()
                }
            }
            rows += batch.count
            from = through + 1
            if rows % 1_000_000 < Int(chunk) { log("  sqlite: \(rows) rows") }
        }
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "CREATE UNIQUE INDEX events_stream_version ON events(stream, version)")
            _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        try queue.close()
        log("built the SQLite peer: \(rows) rows in " + String(format: "%.1f s", seconds(ContinuousClock.now - started)))
        return rows
    }
}

// MARK: - Helpers

final class GenerationProgress: Sendable {
    let appended = Atomic<Int>(0)
    let done = Atomic<Bool>(false)
}

/// Prints a line at once, also when stdout is a file.
public func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

public func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

func fileSize(_ path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
}
