import CRMEventLog
import Foundation
import PostgresNIO

/// One row of a PostgreSQL log's subject-key table (`<schema>.subject_keys`): a data subject's
/// key as the layer above stores it — wrapped with a master key that never enters the database.
///
/// The table knows nothing of keys or encryption; `CRMAudit`'s `KeyVault` decides what the bytes
/// are (see docs/postgres.md, "Subject keys").
public struct PostgresSubjectKeyRow: Sendable, Hashable {
    /// The state of a stored key.
    public enum State: Int16, Sendable, Hashable {
        /// The wrapped key opens the subject's data.
        case live = 1
        /// A `forget` has begun: the key still opens the data until the erasure is recorded.
        case erasing = 2
        /// The wrapped key was removed; only the subject's name is left.
        case erased = 3
    }

    /// The subject's stream name, e.g. `customer-<uuid>`.
    public let subject: String
    /// The state of its key.
    public let state: State
    /// The wrapped key; `nil` once erased.
    public let wrapped: [UInt8]?

    /// A row as stored.
    public init(subject: String, state: State, wrapped: [UInt8]?) {
        self.subject = subject
        self.state = state
        self.wrapped = state == .erased ? nil : wrapped
    }
}

extension PostgresEventStore {
    /// `"schema".subject_keys`.
    var subjectKeysTable: String { "\"\(location.schema)\".subject_keys" }

    /// The statement creating the subject-key table (run with the schema's other tables).
    static func createSubjectKeysTable(_ schema: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS "\(schema)".subject_keys (
            seq bigserial NOT NULL,
            subject text PRIMARY KEY,
            state smallint NOT NULL,
            wrapped bytea
        )
        """
    }

    /// The master-key check value stored when the first key vault opened this log, or `nil`.
    public func subjectKeyCheck() throws -> [UInt8]? {
        let meta = "\"\(location.schema)\".meta"
        let found = try rows("SELECT value FROM \(unescaped: meta) WHERE key = 'subject-key-check'", "reading the subject-key check")
        guard let hex = try found.first?.decode(String.self) else { return nil }
        return Self.bytes(hex: hex)
    }

    /// Stores `check` as the master-key check value unless one is stored, and returns the stored
    /// one (the first vault to open the log decides, across processes).
    public func storeSubjectKeyCheck(_ check: [UInt8]) throws -> [UInt8] {
        let meta = "\"\(location.schema)\".meta"
        let hex = check.map { String(format: "%02x", $0) }.joined()
        _ = try rows("INSERT INTO \(unescaped: meta) (key, value) VALUES ('subject-key-check', \(hex)) ON CONFLICT (key) DO NOTHING",
                     "storing the subject-key check")
        guard let stored = try subjectKeyCheck() else {
            throw PostgresLogError.server(operation: "storing the subject-key check", sqlState: nil, message: "not found after insert")
        }
        return stored
    }

    /// The stored row of `subject`, or `nil` when it never had a key.
    public func subjectKey(_ subject: String) throws -> PostgresSubjectKeyRow? {
        let found = try rows("SELECT subject, state, wrapped FROM \(unescaped: subjectKeysTable) WHERE subject = \(subject)",
                             "reading the key of \(subject)")
        return try found.first.map(Self.keyRow)
    }

    /// Every stored row, in the order they were first stored.
    public func subjectKeys() throws -> [PostgresSubjectKeyRow] {
        try rows("SELECT subject, state, wrapped FROM \(unescaped: subjectKeysTable) ORDER BY seq", "reading the subject keys")
            .map(Self.keyRow)
    }

    /// Stores each row whose subject has none, in one statement (atomic and durable when it
    /// returns; the first row stored for a subject wins), and returns the rows of `rows`'
    /// subjects as stored afterwards.
    public func insertSubjectKeys(_ keys: [PostgresSubjectKeyRow]) throws -> [PostgresSubjectKeyRow] {
        guard !keys.isEmpty else { return [] }
        var subjects: [String] = [], states: [Int16] = [], wrapped: [ByteBuffer] = []
        var seen = Set<String>()
        for key in keys where seen.insert(key.subject).inserted {
            subjects.append(key.subject)
            states.append(key.state.rawValue)
            wrapped.append(ByteBuffer(bytes: key.wrapped ?? []))
        }
        // unnest keeps the given order, so seq follows it; an erased row stores no bytes.
        _ = try rows("""
            INSERT INTO \(unescaped: subjectKeysTable) (subject, state, wrapped)
            SELECT s, st, CASE WHEN st = 3 THEN NULL ELSE w END
            FROM unnest(\(subjects)::text[], \(states)::smallint[], \(wrapped)::bytea[]) AS t(s, st, w)
            ON CONFLICT (subject) DO NOTHING
            """, "storing \(keys.count) subject keys")
        let found = try rows("SELECT subject, state, wrapped FROM \(unescaped: subjectKeysTable) WHERE subject = ANY(\(subjects)::text[])",
                             "reading \(keys.count) subject keys")
        return try found.map(Self.keyRow)
    }

    /// Marks the live key of `subject` as being erased (durable when it returns).
    public func markSubjectKeyErasing(_ subject: String) throws {
        _ = try rows("UPDATE \(unescaped: subjectKeysTable) SET state = 2 WHERE subject = \(subject) AND state = 1",
                     "marking the key of \(subject) as being erased")
    }

    /// Removes the wrapped key of `subject` (the row keeps its name, so no new key is ever made
    /// for it), then rewrites the table (``rewriteSubjectKeys()``), so that no file of the table
    /// holds the wrapped key any more once no older snapshot can read it. Copies in the
    /// write-ahead log, replicas and backups age out with them; they are wrapped with a master
    /// key the server never sees.
    public func eraseSubjectKey(_ subject: String) throws {
        _ = try rows("UPDATE \(unescaped: subjectKeysTable) SET state = 3, wrapped = NULL WHERE subject = \(subject) AND state <> 3",
                     "erasing the key of \(subject)")
        try rewriteSubjectKeys()
    }

    /// Rewrites the subject-key table (`VACUUM FULL`): a new file without the row versions no
    /// snapshot can read any more; the old file is truncated at once and deleted at the next
    /// checkpoint. A transaction that began before an erasure and still runs keeps the erased
    /// row version in the new file; the next rewrite (the next `forget`) drops it.
    public func rewriteSubjectKeys() throws {
        _ = try rows("VACUUM FULL \(unescaped: subjectKeysTable)", "rewriting the subject keys")
    }

    /// The subject-key table's file node (tests: a rewrite gives the table a new one).
    package func subjectKeysFileNode() throws -> Int64? {
        let name = subjectKeysTable
        return try rows("SELECT pg_relation_filenode(\(name)::regclass)::int8", "reading the subject keys' file node").first?.decode(Int64?.self)
    }

    /// A server setting (`current_setting`), e.g. `data_directory` (tests read the server's files).
    package func serverSetting(_ name: String) throws -> String? {
        try rows("SELECT current_setting(\(name), true)", "reading setting \(name)").first?.decode(String?.self)
    }

    /// Forces a checkpoint, so that every change is in the data files (tests; needs superuser).
    package func checkpoint() throws {
        _ = try rows("CHECKPOINT", "checkpointing")
    }

    /// How many other sessions of the database hold a snapshot taken before `date` (tests wait
    /// for them before checking that a rewrite dropped an erased key).
    package func sessionsWithSnapshots(before date: Date) throws -> Int {
        let micros = Int64(date.timeIntervalSince1970 * 1_000_000)
        let found = try rows("""
            SELECT count(*)::int8 FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL
              AND xact_start < to_timestamp(\(micros)::float8 / 1000000)
            """, "looking for older snapshots")
        return Int(try found.first?.decode(Int64.self) ?? 0)
    }

    /// The path of a table of this log's schema below the data directory (`pg_relation_filepath`).
    package func relationPath(_ table: String) throws -> String? {
        let name = "\"\(location.schema)\".\(table)"
        return try rows("SELECT pg_relation_filepath(to_regclass(\(name)))", "locating \(table)").first?.decode(String?.self)
    }

    private static func keyRow(_ row: PostgresRow) throws -> PostgresSubjectKeyRow {
        let (subject, state, wrapped) = try row.decode((String, Int16, ByteBuffer?).self)
        return PostgresSubjectKeyRow(subject: subject, state: PostgresSubjectKeyRow.State(rawValue: state) ?? .erased,
                                     wrapped: wrapped.map { Array(buffer: $0) })
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
            index += 2
        }
        return bytes
    }
}
