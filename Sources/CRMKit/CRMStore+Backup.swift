import CRMAudit
import CRMEventLog
import CRMEventLogLMDB
import Foundation

extension CRMStore {
    /// Writes a verified backup of `log` into the empty or new directory `directory`, with the
    /// subject keys of `vault` (wrapped, never in the clear) beside it, on either backend.
    ///
    /// An LMDB store is copied as a compacting hot snapshot (`DataProtection.backup(_:vault:to:)`).
    /// A PostgreSQL log gets a **logical backup**: its events, exactly as recorded (positions,
    /// ids, recorded times, the same record bytes and chain hashes), are copied into a new LMDB
    /// store in a staging directory beside `directory`, which is then backed up the same way, so
    /// the result is an LMDB store that `crm verify` checks and `crm migrate --from DIR --to
    /// postgres://…` restores. Events appended while the copy runs are in it up to the head
    /// the copy started from. PostgreSQL's own tools (`pg_dump`, base backups) remain the way
    /// to back up the server as a whole.
    ///
    /// - Returns: the backup's verification report.
    /// - Throws: `EventLogError/backupTargetNotEmpty(_:)` when `directory` exists and is not
    ///   empty (before anything is copied), and the backends' errors.
    public static func backup(_ log: any EventLogStore, vault: KeyVault?, to directory: String) async throws -> BackupReport {
        if let lmdb = log as? EventStore { return try await DataProtection.backup(lmdb, vault: vault, to: directory) }
        try BackupTarget.requireEmpty(directory)
        let staging = BackupTarget.sibling(of: directory, tag: "staging").path
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let copy = try EventStore(path: staging)
        defer { copy.close() }
        _ = try await LogMigration.copy(from: log, to: copy)
        return try await DataProtection.backup(copy, vault: vault, to: directory)
    }

    /// Writes a verified backup of this CRM's log and subject keys into the empty or new
    /// directory `directory`; see ``backup(_:vault:to:)``.
    public func backup(to directory: String) async throws -> BackupReport {
        try await Self.backup(log, vault: vault, to: directory)
    }
}
