import CRMAudit
import CRMEventLog
import CRMEventLogLMDB
import CRMEventLogPostgres
import CRMProjections
import Foundation

/// The subject keys of a PostgreSQL log, kept in its table `<schema>.subject_keys` beside the
/// events: every service instance of a deployment opens the same keys (each with its own copy
/// of the master key file, which never enters the database).
///
/// Keys are stored wrapped (AES-GCM under the master key), never in the clear. An insert is one
/// statement (atomic across processes, durable on return, the first key stored for a subject
/// wins); ``erase(_:)`` sets the wrapped key to `NULL` and rewrites the table. Old row versions in
/// PostgreSQL's write-ahead log, replicas and backups hold only wrapped keys; docs/postgres.md
/// says what that means for erasure.
public struct PostgresSubjectKeyStore: SubjectKeyStore {
    /// The log whose schema holds the table.
    public let log: PostgresEventStore

    /// The key store of `log`.
    public init(log: PostgresEventStore) {
        self.log = log
    }

    /// The master-key check value recorded by the first vault, or `nil`.
    public func masterCheck() throws -> [UInt8]? { try log.subjectKeyCheck() }

    /// Records `check` unless one is recorded; returns the recorded one.
    public func recordMasterCheck(_ check: [UInt8]) throws -> [UInt8] { try log.storeSubjectKeyCheck(check) }

    /// The entry of `subject`, or `nil` when it never had a key.
    public func entry(for subject: String) throws -> SubjectKeyEntry? { try log.subjectKey(subject).map(Self.entry) }

    /// Every entry, in the order they were stored.
    public func entries() throws -> [(subject: String, entry: SubjectKeyEntry)] {
        try log.subjectKeys().map { ($0.subject, Self.entry($0)) }
    }

    /// Stores each entry whose subject has none, in one statement.
    public func insertIfAbsent(_ keys: [(subject: String, entry: SubjectKeyEntry)]) throws -> [String: SubjectKeyEntry] {
        let rows = keys.map { key -> PostgresSubjectKeyRow in
            switch key.entry {
            case .live(let wrapped): return PostgresSubjectKeyRow(subject: key.subject, state: .live, wrapped: wrapped)
            case .erasing(let wrapped): return PostgresSubjectKeyRow(subject: key.subject, state: .erasing, wrapped: wrapped)
            case .erased: return PostgresSubjectKeyRow(subject: key.subject, state: .erased, wrapped: nil)
            }
        }
        var result: [String: SubjectKeyEntry] = [:]
        for row in try log.insertSubjectKeys(rows) { result[row.subject] = Self.entry(row) }
        return result
    }

    /// Marks a live key as being erased.
    public func markErasing(_ subject: String) throws { try log.markSubjectKeyErasing(subject) }

    /// Removes the wrapped key and rewrites the table (`VACUUM FULL`).
    public func erase(_ subject: String) throws { try log.eraseSubjectKey(subject) }

    private static func entry(_ row: PostgresSubjectKeyRow) -> SubjectKeyEntry {
        switch (row.state, row.wrapped) {
        case (.live, let wrapped?): return .live(wrapped: wrapped)
        case (.erasing, let wrapped?): return .erasing(wrapped: wrapped)
        default: return .erased
        }
    }
}

extension CRMStore {
    /// The key vault of `log`: on LMDB the subject-key file in the store's directory, on
    /// PostgreSQL the log's subject-key table (keys an earlier version kept in the instance's
    /// state directory `state` are added to it on first open, and that file is then deleted, so
    /// that a later `forget` leaves no copy of a wrapped key behind in it).
    ///
    /// - Parameters:
    ///   - log: the log whose keys the vault opens.
    ///   - state: the state store of a PostgreSQL instance (where earlier versions kept its
    ///     keys), or of another log; ignored for an LMDB store, which has its own.
    ///   - masterKeys: the master key every vault of the store opens its keys with.
    /// - Returns: `nil` for a log of neither backend without a state store.
    public static func keyVault(for log: any EventLogStore, state: StateStore?, masterKeys: any MasterKeyStore) throws -> KeyVault? {
        if let store = log as? EventStore { return try KeyVault(state: StateStore(environment: store.environment), masterKeys: masterKeys) }
        guard let postgres = log as? PostgresEventStore else { return try state.map { try KeyVault(state: $0, masterKeys: masterKeys) } }
        let vault = try KeyVault(keys: PostgresSubjectKeyStore(log: postgres), named: "\(postgres.location), table subject_keys",
                                 masterKeys: masterKeys)
        if let state, !state.isReadOnly {
            let earlier = KeyVault.keyFilePath(of: state)
            if FileManager.default.fileExists(atPath: earlier) {
                try vault.importKeys(from: earlier)
                try FileManager.default.removeItem(atPath: earlier)
                try? FileManager.default.removeItem(atPath: earlier + ".lock")
            }
        }
        return vault
    }
}
