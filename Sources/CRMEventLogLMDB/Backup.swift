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
    /// `extraFiles`, when given, writes files that belong to the backup (the subject-key file)
    /// into the directory it is passed before the copy is synced and renamed into place, so
    /// they appear together with the data file or not at all.
    ///
    /// - Throws: `EventLogError/backupTargetNotEmpty(_:)` when `directory` exists and is not
    ///   empty; `EventLogError/backupVerificationFailed(directory:problem:)` when the copy does
    ///   not verify.
    public func backup(to directory: String, including extraFiles: (@Sendable (String) throws -> Void)? = nil) async throws -> BackupReport {
        try await Self.offPool { [self] in try backupNow(to: directory, including: extraFiles) }
    }

    /// The blocking form of ``backup(to:including:)``.
    ///
    /// The copy is written into a temporary directory beside `directory`
    /// (`.<name>.partial-<random>`, mode 0700, its data file 0600), synced and verified there,
    /// and only then renamed to `directory` (and the parent directory synced): a backup killed
    /// or failing at any step leaves no `directory` that looks like a backup, only the
    /// temporary one, which is removed when the failure is an error.
    public func backupNow(to directory: String, including extraFiles: ((String) throws -> Void)? = nil) throws -> BackupReport {
        let files = FileManager.default
        try BackupTarget.requireEmpty(directory)
        let (trimmed, parent, temporary) = BackupTarget.sibling(of: directory, tag: "partial")
        if !files.fileExists(atPath: parent) {
            try? files.createDirectory(atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        guard mkdir(temporary, 0o700) == 0 else {
            let code = errno
            throw EventLogError.fileSystem(path: directory, reason: "cannot create the backup directory: \(String(cString: strerror(code)))")
        }
        var renamed = false
        defer { if !renamed { try? files.removeItem(atPath: temporary) } }
        try Self.mapStorage { try environment.copy(to: temporary, compact: true) }
        CrashPoints.reach("backup.copied")
        let dataFile = temporary + "/data.mdb"
        chmod(dataFile, 0o600)
        let report: VerificationReport
        do {
            let copy = try EventStore.openReadOnly(path: temporary, configuration: Configuration(logger: configuration.logger))
            defer { copy.close() }
            report = try copy.verifyNow()
        }
        if let problem = report.problem {
            throw EventLogError.backupVerificationFailed(directory: directory, problem: problem.description)
        }
        CrashPoints.reach("backup.verified")
        try extraFiles?(temporary)
        try Self.syncPath(dataFile, directory: directory)
        try Self.syncPath(temporary, directory: directory)
        // rename(2) replaces an empty directory atomically.
        guard rename(temporary, trimmed) == 0 else {
            let code = errno
            throw EventLogError.fileSystem(path: directory, reason: "cannot rename the verified copy into place: \(String(cString: strerror(code)))")
        }
        renamed = true
        CrashPoints.reach("backup.renamed")
        try Self.syncPath(parent, directory: directory)
        let size = (try? files.attributesOfItem(atPath: trimmed + "/data.mdb")[.size] as? Int) ?? 0
        configuration.logger.info("backup verified", metadata: ["directory": "\(directory)", "head": "\(report.head)"])
        return BackupReport(directory: directory, head: report.head, headHash: report.headHash, bytes: size)
    }

    /// fsyncs a file or directory.
    private static func syncPath(_ path: String, directory: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let code = errno
            throw EventLogError.fileSystem(path: directory, reason: "cannot open \(path) to sync it: \(String(cString: strerror(code)))")
        }
        defer { Foundation.close(fd) }
        guard fsync(fd) == 0 else {
            let code = errno
            throw EventLogError.fileSystem(path: directory, reason: "cannot sync \(path): \(String(cString: strerror(code)))")
        }
    }
}

/// The target directory of a backup, shared by the LMDB snapshot and the PostgreSQL logical backup.
package enum BackupTarget {
    /// Throws ``EventLogError/backupTargetNotEmpty(_:)`` unless `directory` is absent or an
    /// empty directory.
    package static func requireEmpty(_ directory: String) throws {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: directory, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue, let contents = try? files.contentsOfDirectory(atPath: directory), contents.isEmpty else {
            throw EventLogError.backupTargetNotEmpty(directory)
        }
    }

    /// `directory` without a trailing slash, its parent, and a hidden sibling beside it,
    /// `<parent>/.<name>.<tag>-<random>`.
    package static func sibling(of directory: String, tag: String) -> (directory: String, parent: String, path: String) {
        let trimmed = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        let url = URL(fileURLWithPath: trimmed)
        let parent = url.deletingLastPathComponent().path
        return (trimmed, parent, parent + "/." + url.lastPathComponent + ".\(tag)-" + UUID().uuidString.prefix(8).lowercased())
    }
}
