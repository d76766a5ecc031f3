import CRMEventLog
import Foundation
import CRMLMDB

/// A verified backup.
public struct BackupReport: Sendable, Hashable {
    /// The directory holding the copy.
    public let directory: String
    /// The last position in the copy: every event up to it is there.
    public let head: UInt64
    /// The chain hash at ``head``.
    public let headHash: [UInt8]
    /// The size of the copied data file in bytes.
    public let bytes: Int
}

extension EventStore {
    /// Copies the store to `directory` while appends go on, then verifies the copy.
    ///
    /// The copy is a compacting snapshot (no free pages, so no stale bytes of deleted values),
    /// opens as a store with every event up to ``BackupReport/head``, and is reported only after
    /// its hash chain and indexes verify.
    ///
    /// - Throws: `EventLogError/backupTargetNotEmpty(_:)` when `directory` exists and is not
    ///   empty; `EventLogError/backupVerificationFailed(directory:problem:)` when the copy does
    ///   not verify.
    public func backup(to directory: String) async throws -> BackupReport {
        try await Self.offPool { [self] in try backupNow(to: directory) }
    }

    /// The blocking form of ``backup(to:)``.
    public func backupNow(to directory: String) throws -> BackupReport {
        let files = FileManager.default
        if files.fileExists(atPath: directory) {
            guard let contents = try? files.contentsOfDirectory(atPath: directory), contents.isEmpty else {
                throw EventLogError.backupTargetNotEmpty(directory)
            }
        } else {
            do {
                try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw EventLogError.fileSystem(path: directory, reason: "cannot create the backup directory (\(error.localizedDescription))")
            }
        }
        try Self.mapStorage { try environment.copy(to: directory, compact: true) }
        let copy = try EventStore.openReadOnly(path: directory, configuration: Configuration(logger: configuration.logger))
        defer { copy.close() }
        let report = try copy.verifyNow()
        if let problem = report.problem {
            throw EventLogError.backupVerificationFailed(directory: directory, problem: problem.description)
        }
        let size = (try? files.attributesOfItem(atPath: directory + "/data.mdb")[.size] as? Int) ?? 0
        configuration.logger.info("backup verified", metadata: ["directory": "\(directory)", "head": "\(report.head)"])
        return BackupReport(directory: directory, head: report.head, headHash: report.headHash, bytes: size)
    }
}
