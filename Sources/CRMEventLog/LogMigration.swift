import Foundation

/// What ``LogMigration/copy(from:to:batchSize:progress:)`` did.
public struct MigrationReport: Sendable, Hashable {
    /// Events copied by this run (0 when the target was already complete).
    public let copied: UInt64
    /// The source's head and hash when the copy ended.
    public let source: HeadAnchor
    /// The target's head and hash after the copy.
    public let target: HeadAnchor

    /// Whether both logs end at the same position with the same chain hash.
    public var headsMatch: Bool { source == target }
}

/// Copies a log from one store to another — LMDB to PostgreSQL, PostgreSQL to LMDB, or between
/// two of a kind — with every position, id and time as recorded, so both chains end with the
/// same head hash.
public enum LogMigration {
    /// Copies every event of `source` that `target` lacks, in imports of `batchSize` events,
    /// then checks that both heads have the same position and hash.
    ///
    /// The copy resumes: a target that already holds a prefix of the source (same hash at its
    /// head) continues after it. Appends to the source during the copy are copied up to the
    /// source's head when the copy started.
    ///
    /// - Parameters:
    ///   - source: the log to copy from.
    ///   - target: the log to copy into (empty, or holding a prefix of `source`).
    ///   - batchSize: events per import transaction.
    ///   - progress: called with the target's head after each batch.
    /// - Throws: ``EventLogError/logsDiverge(position:reason:)`` when the target is not a prefix
    ///   of the source, or the heads differ after the copy; the errors of
    ///   ``EventLogStore/importEvents(_:)``.
    public static func copy(
        from source: any EventLogStore, to target: any EventLogStore, batchSize: Int = 10_000,
        progress: (UInt64) -> Void = { _ in }
    ) async throws -> MigrationReport {
        let sourceHead = try source.head()
        let start = try target.headAnchor()
        guard start.position <= sourceHead else {
            throw EventLogError.logsDiverge(position: start.position, reason: "the target holds \(start.position) events, more than the source's \(sourceHead)")
        }
        guard try source.hash(at: start.position) == start.hash else {
            throw EventLogError.logsDiverge(position: start.position, reason: "the target's head hash differs from the source's hash at that position")
        }
        var next = start.position + 1
        let step = UInt64(max(1, batchSize))
        while next <= sourceHead {
            let through = min(sourceHead, next + step - 1)
            var batch: [ImportedEvent] = []
            batch.reserveCapacity(Int(through - next + 1))
            try source.scan(.all, from: next, direction: .forward, limit: nil, through: through) { view in
                batch.append(ImportedEvent(view.decoded()))
            }
            guard batch.count == Int(through - next + 1) else {
                throw EventLogError.logsDiverge(position: next, reason: "the source returned \(batch.count) events for positions \(next)...\(through)")
            }
            let head = try await target.importEvents(batch)
            progress(head)
            next = through + 1
        }
        let sourceAnchor = HeadAnchor(position: sourceHead, hash: try source.hash(at: sourceHead) ?? [])
        let targetAnchor = try target.headAnchor()
        guard sourceAnchor == targetAnchor else {
            throw EventLogError.logsDiverge(
                position: targetAnchor.position,
                reason: "after the copy the source ends at \(sourceAnchor) and the target at \(targetAnchor)")
        }
        return MigrationReport(copied: sourceHead - start.position, source: sourceAnchor, target: targetAnchor)
    }
}
