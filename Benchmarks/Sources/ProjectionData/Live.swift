import CRMDomain
import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
// The temporary directories (and the SQLite peer's table) every benchmark shares.
@_exported import SQLitePeer
import GRDB
import Synchronization

// The live-path benchmarks' data and peers (P5 in ProjectionBenchmarks): a view of the dataset's
// log that ends short of its head, the commits a live writer appends, and the SQLite peer of a
// projector that keeps its state in SQLite.

// MARK: - A prefix of the dataset's log

/// The dataset's log as it stood at position ``limit``: `head()` is the limit and scans stop
/// there. It lets `Projector<CRMReadModels>.rebuild` store the state of an earlier point of the
/// cached log (setup of the live catch-up benchmark), and a projector then catch up from there
/// through the same view with its limit at the real head.
///
/// `Projector` takes only a writable log (`isReadOnly == false`), as it is meant for the log it
/// serves; this view reports itself writable so that a projector can fold the read-only dataset,
/// but it refuses every append and import. Its scans forward to the dataset store's own scan
/// (one call per projector batch, not per event) and count the records they hand over, so the
/// benchmark can check that the fold saw exactly the events it expected.
public final class LogPrefix: EventLogStore, ConcurrentlyScannable {
    public typealias Subscription = EventSubscription

    public let base: EventStore
    /// The last position this view shows.
    public let limit: UInt64
    private let visitedCount = Atomic<Int>(0)

    public init(_ base: EventStore, limit: UInt64) {
        self.base = base
        self.limit = limit
    }

    /// Records handed to scan bodies since the view was made.
    public var visited: Int { visitedCount.load(ordering: .acquiring) }

    public var isReadOnly: Bool { false }

    public func append(_ appends: [StreamAppend]) async throws -> AppendResult { throw EventLogError.readOnly }
    public func importEvents(_ events: [ImportedEvent]) async throws -> UInt64 { throw EventLogError.readOnly }

    public func head() throws -> UInt64 { min(limit, try base.head()) }

    public func headAnchor() throws -> HeadAnchor {
        let head = try head()
        guard let hash = try base.hash(at: head) else { throw DatasetError("no hash at \(head)") }
        return HeadAnchor(position: head, hash: hash)
    }

    public func hash(at position: UInt64) throws -> [UInt8]? { position > limit ? nil : try base.hash(at: position) }

    public func streamVersion(of stream: String) throws -> UInt64 {
        guard limit < (try base.head()) else { return try base.streamVersion(of: stream) }
        var version: UInt64 = 0
        try base.scan(.stream(stream), through: limit) { view in version = view.streamVersion }
        return version
    }

    public func event(at position: UInt64) throws -> RecordedEvent? { position > limit ? nil : try base.event(at: position) }

    public func position(ofEventID id: UUID) throws -> UInt64? {
        guard let position = try base.position(ofEventID: id), position <= limit else { return nil }
        return position
    }

    public func scan(_ filter: EventFilter, from: UInt64?, direction: ReadDirection, limit count: Int?, through: UInt64?,
                     _ body: (RecordView) throws -> Void) throws {
        guard direction == .forward else { throw DatasetError("LogPrefix scans forward only") }
        var visited = 0
        defer { visitedCount.add(visited, ordering: .relaxed) }
        try base.scan(filter, from: from, direction: .forward, limit: count, through: min(through ?? limit, limit)) { view in
            visited += 1
            try body(view)
        }
    }

    /// The dataset store's subscription; it does not stop at the limit (the benchmarks only
    /// catch up through this view, they do not follow it).
    public func subscribe(_ filter: EventFilter, after: UInt64) -> EventSubscription { base.subscribe(filter, after: after) }

    public func verify(anchor: HeadAnchor?) async throws -> VerificationReport {
        throw DatasetError("LogPrefix does not verify; verify the dataset store")
    }

    /// Does nothing: the dataset store belongs to whoever opened it.
    public func close() {}
}

// MARK: - What a live writer appends

/// The first events of the dataset, cut into commits for a live writer: each commit holds
/// `perCommit` consecutive events of the log, grouped by stream in the order each stream first
/// appears in the commit (an append takes a stream once), so every stream keeps its own order
/// and, as the log is read from its start, its original versions.
public struct LiveWorkload: Sendable {
    /// One event as the SQLite peer stores it (`payload`: the JSON of the catalog struct, as in
    /// `peer.sqlite`).
    public struct PeerRow: Sendable {
        public var position: Int64
        public var stream: String
        public var version: Int64
        public var eventID: Data
        public var type: String
        public var occurredAtMicros: Int64
        public var actor: String
        public var payload: String
    }

    /// The CRMKit appends, one per commit.
    public let commits: [[StreamAppend]]
    /// The same events for the SQLite peer, one array per commit, in the order the CRMKit log
    /// stores them (positions 1, 2, 3 … of a fresh log).
    public let peerCommits: [[PeerRow]]
    /// Events in all commits.
    public var events: Int { commits.reduce(0) { $0 + $1.reduce(0) { $0 + $1.events.count } } }

    /// Reads the first `commits × perCommit` events of the dataset store; with `peer`, also
    /// their JSON payloads from `peer.sqlite`.
    public init(store: EventStore, peer: DatabaseQueue?, commits count: Int, perCommit: Int) throws {
        let total = count * perCommit
        let recorded = try store.events(.all, from: 1, through: UInt64(total))
        guard recorded.count == total else { throw DatasetError("the dataset has \(recorded.count) of \(total) events") }
        var payloads: [String] = []
        if let peer {
            payloads = try peer.read { db in
                try String.fetchAll(db, sql: "SELECT payload FROM events WHERE position <= ? ORDER BY position", arguments: [total])
            }
            guard payloads.count == total else { throw DatasetError("peer.sqlite has \(payloads.count) of \(total) rows") }
        }
        var commits: [[StreamAppend]] = []
        var peerCommits: [[PeerRow]] = []
        var position: Int64 = 0
        for start in stride(from: 0, to: total, by: perCommit) {
            var order: [String] = []
            var byStream: [String: [RecordedEvent]] = [:]
            for event in recorded[start..<(start + perCommit)] {
                if byStream[event.stream] == nil { order.append(event.stream) }
                byStream[event.stream, default: []].append(event)
            }
            commits.append(order.map { stream in
                StreamAppend(stream: stream, events: byStream[stream]!.map { event in
                    NewEvent(id: event.id, type: event.type, schemaVersion: event.schemaVersion, occurredAt: event.occurredAt,
                             actor: event.actor, correlationID: event.correlationID, causationID: event.causationID, payload: event.payload)
                })
            })
            if peer != nil {
                peerCommits.append(order.flatMap { stream in
                    byStream[stream]!.map { event in
                        position += 1
                        return PeerRow(position: position, stream: stream, version: Int64(event.streamVersion),
                                       eventID: withUnsafeBytes(of: event.id.uuid) { Data($0) }, type: event.type,
                                       occurredAtMicros: Micros.from(event.occurredAt), actor: event.actor,
                                       payload: payloads[Int(event.position) - 1])
                    }
                })
            }
        }
        self.commits = commits
        self.peerCommits = peerCommits
    }
}

// MARK: - The SQLite peer of a projector

/// A projector that keeps its state in SQLite, the peer of `Projector` in the live benchmarks:
/// it reads the log's new rows in position order (`WHERE position > ? ORDER BY position LIMIT ?`),
/// decodes each payload with `JSONDecoder` into its catalog struct, folds it with the same
/// `ReadModel.apply`, and writes the changed records (the model's `takeChanges()`, the same bytes
/// CRMKit stores) and its checkpoint in one write transaction: an UPSERT per changed record into
/// `projection_state(key BLOB PRIMARY KEY, value BLOB)`, a DELETE per removed one, an UPDATE of
/// `projection_checkpoint`.
public enum SQLiteProjector {
    /// Opens (creating) a SQLite database in WAL mode with `synchronous = FULL` (every commit
    /// synced, as an LMDB environment without `MDB_NOSYNC`), as a `DatabasePool` when `pool`.
    public static func openDurable(path: String, pool: Bool) throws -> any DatabaseWriter {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let writer: any DatabaseWriter
        if pool {
            writer = try DatabasePool(path: path, configuration: configuration)
        } else {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            _ = try queue.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") }
            writer = queue
        }
        // GRDB's DatabasePool sets `synchronous = NORMAL` on its writer after `prepareDatabase`
        // (see EventLogBenchmarks' SQLitePeer): set FULL again on the writer, and check it there.
        try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let synchronous = try writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        let journal = try writer.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        precondition(synchronous == 2 && journal == "wal", "SQLite is not WAL + synchronous=FULL: \(String(describing: synchronous)) \(String(describing: journal))")
        return writer
    }

    /// Creates the state and checkpoint tables, the checkpoint at `checkpoint`.
    public static func createState(_ db: Database, checkpoint: Int64) throws {
        try db.execute(sql: """
            CREATE TABLE projection_state (key BLOB PRIMARY KEY, value BLOB NOT NULL);
            CREATE TABLE projection_checkpoint (model TEXT PRIMARY KEY, position INTEGER NOT NULL);
            """)
        try db.execute(sql: "INSERT INTO projection_checkpoint VALUES ('crm', ?)", arguments: [checkpoint])
    }

    /// The live log table of the follow benchmark: the columns of `peer.sqlite` plus what a log
    /// keeps per event (id, unique; schema version; recorded time; actor), as in
    /// EventLogBenchmarks' SQLite peer.
    public static func createLog(_ db: Database) throws {
        try SQLitePeer.createEventTable(db)
    }

    /// Appends one commit's rows (the writer's transaction body).
    public static func append(_ db: Database, _ rows: [LiveWorkload.PeerRow]) throws {
        let recordedAt = Int64(Date().timeIntervalSince1970 * 1e6)
        let statement = try db.cachedStatement(sql: """
            INSERT INTO events (position, stream, version, event_id, type, schema_version, occurred_at, recorded_at, actor, payload)
            VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)
            """)
        for row in rows {
            statement.setUncheckedArguments([row.position, row.stream, row.version, row.eventID, row.type, row.occurredAtMicros,
                                             recordedAt, row.actor, row.payload])
            try statement.execute()
        }
    }

    /// Writes whole-model entries (setup: the state a catch-up starts from).
    public static func insert(_ db: Database, entries: [ReadModelEntry]) throws {
        let statement = try db.cachedStatement(sql: "INSERT INTO projection_state (key, value) VALUES (?, ?)")
        for entry in entries {
            statement.setUncheckedArguments([Data(entry.key), Data(entry.value ?? [])])
            try statement.execute()
        }
    }

    /// Reads up to `limit` rows after `after` from `table`, decodes and folds them into `model`;
    /// returns the rows read and the last position read (`after` when none).
    public static func fold<Model: ReadModel>(_ db: Database, table: String = "events", after: Int64, limit: Int, decoder: JSONDecoder,
                                              into model: inout Model) throws -> (rows: Int, last: Int64) {
        let statement = try db.cachedStatement(sql: "SELECT position, type, occurred_at, payload FROM \(table) WHERE position > ? ORDER BY position LIMIT ?")
        let rows = try Row.fetchCursor(statement, arguments: [after, limit])
        var count = 0
        var last = after
        // As in `SQLitePeerRead.read`: rows of types the model does not fold are read, not decoded.
        let filter = Model.eventTypes
        let table = CatalogJSON.decoders.filter { name, _ in Array(name.utf8).withUnsafeBytes { filter.contains(typeBytes: $0) } }
        while let row = try rows.next() {
            let type: String = row[1]
            let decode = table[type]
            if decode == nil, CatalogJSON.decoders[type] == nil { throw DatasetError("unknown event type \(type)") }
            count += 1
            last = row[0]
            guard let decode else { continue }
            let event = try row.withUnsafeData(atIndex: 3) { data -> DomainEvent in
                guard let data else { throw DatasetError("row without payload") }
                return try decode(decoder, data)
            }
            model.apply(event, EventInfo(position: UInt64(last), occurredAtMicros: row[2]))
        }
        return (count, last)
    }

    /// Writes the changed records and the checkpoint (call inside the write transaction).
    public static func persist(_ db: Database, changes: [ReadModelEntry], checkpoint: Int64) throws {
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO projection_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value
            """)
        let delete = try db.cachedStatement(sql: "DELETE FROM projection_state WHERE key = ?")
        for change in changes {
            if let value = change.value {
                upsert.setUncheckedArguments([Data(change.key), Data(value)])
                try upsert.execute()
            } else {
                delete.setUncheckedArguments([Data(change.key)])
                try delete.execute()
            }
        }
        try db.execute(sql: "UPDATE projection_checkpoint SET position = ? WHERE model = 'crm'", arguments: [checkpoint])
    }
}
