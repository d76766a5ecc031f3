// The SQLite (GRDB) peer's event table and the temporary directories every benchmark uses,
// shared by the event-log and user-path benchmarks.
import Foundation
import GRDB

/// A benchmark's own check failed.
public struct BenchmarkFailure: Error, CustomStringConvertible {
    public let description: String
    /// A failure saying `description`.
    public init(_ description: String) { self.description = description }
}

// MARK: - Temporary directories

/// A fresh directory under the temporary directory, named after `label`.
public func makeTemporaryDirectory(_ label: String) throws -> String {
    let path = NSTemporaryDirectory() + "crmkit-bench-\(label)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Removes `path` and everything in it (nothing for `nil`).
public func removeDirectory(_ path: String?) {
    guard let path else { return }
    try? FileManager.default.removeItem(atPath: path)
}

// MARK: - The SQLite peer through GRDB

/// An event table in SQLite: WAL (DatabasePool), `synchronous = FULL`, `UNIQUE(stream, version)`,
/// a unique event id (CRMKit keeps an event-id index too) and JSON payloads.
public final class SQLitePeer: Sendable {
    /// The database, WAL with `synchronous = FULL` on the writer.
    public let pool: DatabasePool
    /// Where it lives.
    public let directory: String

    /// Creates the event table in a fresh directory.
    public init(label: String) throws {
        directory = try makeTemporaryDirectory("sqlite-\(label)")
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        pool = try DatabasePool(path: directory + "/events.sqlite", configuration: configuration)
        try pool.write { db in try Self.createEventTable(db) }
        // GRDB's DatabasePool sets `synchronous = NORMAL` on its writer connection after
        // `prepareDatabase` runs (GRDB/Core/Database.swift, setUpWALMode), which syncs the WAL only
        // at checkpoints: set FULL again on the writer, and check it there.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let synchronous = try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        let journal = try pool.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        precondition(synchronous == 2 && journal == "wal", "SQLite peer is not WAL + synchronous=FULL: \(String(describing: synchronous)) \(String(describing: journal))")
    }

    /// The event table: the log's columns per event (id, unique; schema version; recorded time;
    /// actor), one row per event, `UNIQUE (stream, version)`.
    public static func createEventTable(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE events (
                position INTEGER PRIMARY KEY,
                stream TEXT NOT NULL,
                version INTEGER NOT NULL,
                event_id BLOB NOT NULL UNIQUE,
                type TEXT NOT NULL,
                schema_version INTEGER NOT NULL,
                occurred_at INTEGER NOT NULL,
                recorded_at INTEGER NOT NULL,
                actor TEXT NOT NULL,
                payload TEXT NOT NULL,
                UNIQUE (stream, version)
            )
            """)
    }

    /// Closes the database and removes its directory.
    public func close() {
        try? pool.close()
        removeDirectory(directory)
    }

    /// The stream's last version (0 for none).
    public static func currentVersion(_ db: Database, stream: String) throws -> Int64 {
        let statement = try db.cachedStatement(sql: "SELECT MAX(version) FROM events WHERE stream = ?")
        return try Int64.fetchOne(statement, arguments: [stream]) ?? 0
    }

    /// Inserts one event row.
    public static func insert(_ db: Database, stream: String, version: Int64, id: UUID, type: String, schemaVersion: Int,
                              occurredAt: Int64, recordedAt: Int64, actor: String, payload: String) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO events (stream, version, event_id, type, schema_version, occurred_at, recorded_at, actor, payload)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        statement.setUncheckedArguments([stream, version, id, type, schemaVersion, occurredAt, recordedAt, actor, payload])
        try statement.execute()
    }
}
