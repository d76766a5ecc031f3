import CRMAudit
import CRMDomain
import CRMEventLog
import CRMEventLogLMDB
import CRMSimulation
@preconcurrency import Crypto
import Foundation
import GRDB
import ProjectionData
import SQLitePeer
import Synchronization

// MARK: - The shared history: a store, its JSON Lines export and the same rows in SQLite

/// A seeded CRM history (`HistoryGenerator`, through `CommandHandler`), generated once into a
/// cache directory and reused by every benchmark process: the store, its `crm export` file and
/// the peer's SQLite database holding the same rows.
enum History {
    static let customers = 2_000
    static let eventsPerCustomer = 50
    static let seed: UInt64 = 2026
    static let directory = NSTemporaryDirectory() + "crmkit-userpaths-v1-\(customers)x\(eventsPerCustomer)"
    static var storePath: String { directory + "/store" }
    static var exportPath: String { directory + "/history.jsonl" }
    static var peerPath: String { directory + "/peer.sqlite" }
    static var marker: String { directory + "/ready" }

    /// Generates the history when the cache does not hold it yet; returns its number of events.
    static func ensure() async throws -> Int {
        if let text = try? String(contentsOfFile: marker, encoding: .utf8), let events = Int(text) { return events }
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: storePath, withIntermediateDirectories: true)
        let store = try EventStore(path: storePath, configuration: .init(initialMapSize: 1 << 30, durability: .relaxed))
        defer { store.close() }
        let handler = CommandHandler(store: store)
        let (employees, staffing) = SimulatedStaff.make(seed: seed)
        for (command, context) in staffing { try await handler.execute(command, context: context) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<32 {
                group.addTask {
                    for customer in stride(from: writer, to: customers, by: 32) {
                        var generator = HistoryGenerator(customer: customer, seed: seed, events: eventsPerCustomer, employees: employees)
                        while let (command, context) = generator.next() { try await handler.execute(command, context: context) }
                    }
                }
            }
            try await group.waitForAll()
        }
        try store.environment.sync(force: true)
        let events = try JSONLines.export(from: store, to: exportPath)
        try PeerImport.run(file: exportPath, into: peerPath)
        try "\(events)".write(toFile: marker, atomically: true, encoding: .utf8)
        return events
    }
}

// MARK: - The peer's import and export: Foundation's JSON and GRDB

/// How an application without CRMKit would import and export the same JSON Lines file:
/// `JSONSerialization` per line, one row per event in SQLite, one transaction.
enum PeerImport {
    /// The lines of `file`, without their newlines.
    static func lines(of file: String) throws -> [Data] {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        return data.split(separator: 0x0A, omittingEmptySubsequences: true).map { Data($0) }
    }

    /// Parses every line into a dictionary (the floor: what reading the file costs at all).
    static func parse(_ lines: [Data]) throws -> Int {
        var members = 0
        for line in lines {
            guard let object = try JSONSerialization.jsonObject(with: line) as? [String: Any] else {
                throw BenchmarkFailure("a line is not a JSON object")
            }
            members += object.count
        }
        return members
    }

    /// Imports `file` into a new SQLite database at `path` (WAL, `synchronous = FULL`) in one
    /// transaction, checking that positions and stream versions continue; returns the rows.
    @discardableResult
    static func run(file: String, into path: String) throws -> Int {
        let lines = try lines(of: file)
        return try insert(lines, into: try open(path))
    }

    static func open(_ path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS events (
                    position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER NOT NULL,
                    event_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, schema_version INTEGER NOT NULL,
                    occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL, actor TEXT NOT NULL,
                    correlation_id TEXT, causation_id TEXT, payload TEXT NOT NULL, UNIQUE (stream, version))
                """)
        }
        return pool
    }

    static func insert(_ lines: [Data], into pool: DatabasePool) throws -> Int {
        try pool.write { db in
            let insert = try db.cachedStatement(sql: """
                INSERT INTO events (position, stream, version, event_id, type, schema_version, occurred_at, recorded_at, actor,
                                    correlation_id, causation_id, payload)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let version = try db.cachedStatement(sql: "SELECT MAX(version) FROM events WHERE stream = ?")
            var next = (try Int64.fetchOne(db, sql: "SELECT MAX(position) FROM events") ?? 0) + 1
            for line in lines {
                guard let object = try JSONSerialization.jsonObject(with: line) as? [String: Any],
                      let position = object["position"] as? Int64, let stream = object["stream"] as? String,
                      let streamVersion = object["streamVersion"] as? Int64, let id = object["id"] as? String,
                      let type = object["type"] as? String, let schema = object["schemaVersion"] as? Int64,
                      let occurredAt = object["occurredAt"] as? String, let recordedAt = object["recordedAt"] as? String,
                      let actor = object["actor"] as? String, let payload = object["data"]
                else { throw BenchmarkFailure("a line lacks a field") }
                guard position == next else { throw BenchmarkFailure("position \(position) does not continue at \(next)") }
                let current = try Int64.fetchOne(version, arguments: [stream]) ?? 0
                guard streamVersion == current + 1 else { throw BenchmarkFailure("stream \(stream) version \(streamVersion) after \(current)") }
                let json = String(decoding: try JSONSerialization.data(withJSONObject: payload), as: UTF8.self)
                insert.setUncheckedArguments([position, stream, streamVersion, id, type, schema, occurredAt, recordedAt, actor,
                                              object["correlationID"] as? String, object["causationID"] as? String, json])
                try insert.execute()
                next += 1
            }
            return Int(next - 1)
        }
    }

    /// Writes every row of `pool` as a JSON Lines file at `path` (metadata through
    /// `JSONSerialization`, the stored payload text spliced in) and syncs it; returns the rows.
    static func export(_ pool: DatabasePool, to path: String) throws -> Int {
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var buffer = Data()
        var rows = 0
        try pool.read { db in
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT position, event_id, stream, version, type, schema_version, occurred_at, recorded_at, actor,
                       correlation_id, causation_id, payload FROM events ORDER BY position
                """)
            while let row = try cursor.next() {
                let meta: [String: Any] = [
                    "position": row[0] as Int64, "id": row[1] as String, "stream": row[2] as String, "streamVersion": row[3] as Int64,
                    "type": row[4] as String, "schemaVersion": row[5] as Int64, "occurredAt": row[6] as String,
                    "recordedAt": row[7] as String, "actor": row[8] as String,
                    "correlationID": (row[9] as String?) ?? NSNull(), "causationID": (row[10] as String?) ?? NSNull(),
                ]
                var line = try JSONSerialization.data(withJSONObject: meta)
                line.removeLast()  // the closing brace: the payload follows
                buffer.append(line)
                buffer.append(contentsOf: Array(",\"data\":".utf8))
                buffer.append(contentsOf: Array((row[11] as String).utf8))
                buffer.append(contentsOf: [0x7D, 0x0A])
                rows += 1
                if buffer.count >= 1 << 20 {
                    try handle.write(contentsOf: buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
        }
        try handle.write(contentsOf: buffer)
        try handle.synchronize()
        return rows
    }
}

// MARK: - Commands: the histories both sides execute

/// The customers' commands, decided once through CRMKit on a scratch store so that the peer
/// appends exactly the events CRMKit appends: per command, the streams with the version it
/// expects and the events (personal data still in the clear; each side seals its own).
struct DecidedCommand: Sendable {
    struct Append: Sendable {
        let stream: String
        let expectedVersion: Int64
        let events: [(event: DomainEvent, context: CommandContext)]
    }
    let appends: [Append]
    var eventCount: Int { appends.reduce(0) { $0 + $1.events.count } }
}

enum Commands {
    /// Events per customer history (`HistoryGenerator` budget).
    static let eventsPerCustomer = 25
    static let seed: UInt64 = 77

    /// The staff's commands and the employees the histories assign work to.
    static let staff = SimulatedStaff.make(seed: seed, count: 8)

    /// The commands of customer number `customer`.
    static func history(_ customer: Int) -> [(CRMCommand, CommandContext)] {
        var generator = HistoryGenerator(customer: customer, seed: seed, events: eventsPerCustomer, employees: staff.employees)
        var commands: [(CRMCommand, CommandContext)] = []
        while let next = generator.next() { commands.append(next) }
        return commands
    }

    /// Decides the histories of `customers` on a scratch store (no sync, no sealing).
    static func decide(_ customers: Range<Int>) async throws -> [[DecidedCommand]] {
        let directory = try makeTemporaryDirectory("decide")
        defer { removeDirectory(directory) }
        let store = try EventStore(path: directory, configuration: .init(durability: .relaxed))
        defer { store.close() }
        let handler = CommandHandler(store: store)
        for (command, context) in staff.commands { try await handler.execute(command, context: context) }
        let registry = EventRegistry()
        var result: [[DecidedCommand]] = []
        for customer in customers {
            var decided: [DecidedCommand] = []
            for (command, context) in history(customer) {
                let appended = try await handler.execute(command, context: context)
                var appends: [DecidedCommand.Append] = []
                for position in appended.events.map({ $0.position }) {
                    guard let recorded = try store.event(at: position) else { throw BenchmarkFailure("no event at \(position)") }
                    let event = try registry.decode(recorded)
                    if let last = appends.last, last.stream == recorded.stream {
                        appends[appends.count - 1] = .init(stream: last.stream, expectedVersion: last.expectedVersion,
                                                           events: last.events + [(event, context)])
                    } else {
                        appends.append(.init(stream: recorded.stream, expectedVersion: Int64(recorded.streamVersion) - 1, events: [(event, context)]))
                    }
                }
                decided.append(DecidedCommand(appends: appends))
            }
            result.append(decided)
        }
        return result
    }
}

// MARK: - The peer's command path: read, check, seal, insert

/// Subject keys for the SQLite peer: AES-GCM keys wrapped with a master key in a table of the
/// same database, created in one durable write before the events that need them (as
/// `KeyVault` does), personal data sealed with AES-GCM (swift-crypto) as CRMKit seals it.
final class PeerKeys: PersonalDataProtector, Sendable {
    let pool: DatabasePool
    let master: [UInt8] = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    let keys = Mutex<[String: [UInt8]]>([:])

    init(pool: DatabasePool) throws {
        self.pool = pool
        try pool.write { db in try db.execute(sql: "CREATE TABLE subject_keys (subject TEXT PRIMARY KEY, wrapped BLOB NOT NULL)") }
    }

    func prepareKeys(for subjects: Set<DataSubject>) async throws {
        let missing = keys.withLock { keys in subjects.filter { keys[$0.description] == nil } }
        guard !missing.isEmpty else { return }
        let fresh = missing.map { ($0.description, SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }) }
        let master = master
        try await pool.write { db in
            for (subject, key) in fresh {
                let wrapped = try AES.GCM.seal(key, using: SymmetricKey(data: master), authenticating: Array(subject.utf8)).combined!
                try db.execute(sql: "INSERT OR IGNORE INTO subject_keys (subject, wrapped) VALUES (?, ?)", arguments: [subject, wrapped])
            }
        }
        keys.withLock { keys in for (subject, key) in fresh where keys[subject] == nil { keys[subject] = key } }
    }

    func key(for subject: DataSubject) -> SymmetricKey? {
        keys.withLock { $0[subject.description] }.map { SymmetricKey(data: $0) }
    }

    func seal(_ text: String, for subject: DataSubject) throws -> [UInt8] {
        guard let key = key(for: subject) else { throw BenchmarkFailure("no key for \(subject)") }
        return [1] + Array(try AES.GCM.seal(Array(text.utf8), using: key, authenticating: Array(subject.description.utf8)).combined!)
    }

    func open(_ sealed: [UInt8], for subject: DataSubject) throws -> String? {
        guard sealed.first == 1, let key = key(for: subject) else { return nil }
        let plain = try AES.GCM.open(try AES.GCM.SealedBox(combined: sealed.dropFirst()), using: key,
                                     authenticating: Array(subject.description.utf8))
        return String(decoding: plain, as: UTF8.self)
    }
}

/// The peer's command handler: per command, seal the personal data (keys created first), then
/// in one write transaction read each stream's version, check it is the one the decision was
/// made on, and insert the events as JSON rows.
struct PeerCommands: Sendable {
    let peer: SQLitePeer
    let keys: PeerKeys

    func execute(_ command: DecidedCommand, encoder: JSONEncoder) async throws -> Int {
        try await keys.prepareKeys(for: Set(command.appends.flatMap { $0.events.compactMap(\.event.subjectToSeal) }))
        let rows = try command.appends.map { append in
            (append.stream, append.expectedVersion, try append.events.map { event, context in
                let sealed = try event.sealingPersonalData(with: keys)
                let (type, json) = try CatalogJSON.encode(sealed, with: encoder)
                return (type, String(decoding: json, as: UTF8.self), context)
            })
        }
        let recordedAt = Int64(Date().timeIntervalSince1970 * 1e6)
        try await peer.pool.write { db in
            for (stream, expected, events) in rows {
                // A new stream must not exist yet; an existing one must exist (the existence
                // rules); the versions continue the stream's last one.
                let current = try SQLitePeer.currentVersion(db, stream: stream)
                guard (expected == 0) == (current == 0) else { throw BenchmarkFailure("stream \(stream) is at \(current), expected \(expected)") }
                for (offset, (type, json, context)) in events.enumerated() {
                    try SQLitePeer.insert(db, stream: stream, version: current + Int64(offset) + 1, id: UUID(), type: type, schemaVersion: 1,
                                          occurredAt: Int64(context.occurredAt.timeIntervalSince1970 * 1e6), recordedAt: recordedAt,
                                          actor: context.actor, payload: json)
                }
            }
        }
        return command.eventCount
    }
}
