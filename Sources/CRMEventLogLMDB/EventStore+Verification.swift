import CRMEventLog
import CRMLMDB
import Foundation

extension EventStore {
    /// Walks the whole log in one read snapshot: checks positions are 1, 2, 3 … without gaps,
    /// every record parses and carries its own position, every hash equals SHA-256 of the
    /// previous hash and the record's bytes, and the stream and event-id indexes agree with the
    /// log. With an `anchor`, also checks the log reaches the anchor and has its hash there.
    ///
    /// Returns the first problem found, or the head and its hash.
    public func verify(anchor: HeadAnchor? = nil) async throws -> VerificationReport {
        try await Self.offPool { [self] in try verifyNow(anchor: anchor) }
    }

    /// ``verify(anchor:)`` that reports how far it has come: `progress` is called with the
    /// position reached every 65,536 records (from a thread off the cooperative pool).
    public func verify(anchor: HeadAnchor?, progress: @escaping @Sendable (UInt64) -> Void) async throws -> VerificationReport {
        try await Self.offPool { [self] in try verifyNow(anchor: anchor, progress: progress) }
    }

    /// The blocking form of ``verify(anchor:)``, for command-line tools and tests.
    public func verifyNow(anchor: HeadAnchor? = nil) throws -> VerificationReport {
        try verifyNow(anchor: anchor) { _ in }
    }

    /// The blocking form of ``verify(anchor:progress:)``.
    public func verifyNow(anchor: HeadAnchor?, progress: (UInt64) -> Void) throws -> VerificationReport {
        try Self.mapStorage {
            try environment.read { txn in try Verifier(databases: databases, txn: txn, anchor: anchor).run(progress: progress) }
        }
    }
}

private struct Verifier {
    /// An index value is exactly one big-endian UInt64; any other length is damage.
    static func exactPosition(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        bytes.count == 8 ? Databases.uint64(bigEndian: bytes) : nil
    }

    let databases: Databases
    let txn: ReadTransaction
    let anchor: HeadAnchor?

    func run(progress: (UInt64) -> Void) throws -> VerificationReport {
        var walk = ChainWalk(anchor: anchor)
        let databases = databases, txn = txn
        try txn.withCursor(on: databases.log) { cursor in
            var entry = try cursor.first()
            while let current = entry {
                guard current.key.count == 8 else {
                    walk.fail(walk.expected, .unexpectedKey, "a log key of \(current.key.count) bytes is not a position")
                    return
                }
                let position = Databases.uint64(bigEndian: current.key)
                let goesOn = try walk.check(position: position, record: current.value) { view, _ in
                    let indexed = try Databases.streamKey(Array(view.streamBytes), version: view.streamVersion).withUnsafeBytes { key in
                        try txn.withValue(in: databases.streams, key: key, Self.exactPosition)
                    } ?? nil
                    if indexed != position {
                        return (.streamIndexMismatch, "the stream index maps this version to \(indexed.map(String.init) ?? "nothing")")
                    }
                    let byID = try txn.withValue(in: databases.eventIDs, key: view.idBytes, Self.exactPosition) ?? nil
                    if byID != position {
                        return (.eventIDIndexMismatch, "the event-id index maps this event's id to \(byID.map(String.init) ?? "nothing")")
                    }
                    return nil
                }
                guard goesOn else { return }
                if position & 0xFFFF == 0 { progress(position) }
                entry = try cursor.next()
            }
        }
        return try walk.finish { head in
            let streamEntries = try txn.count(of: databases.streams)
            if streamEntries != Int(head) {
                return (head, .streamIndexMismatch, "the stream index has \(streamEntries) entries for \(head) records")
            }
            let idEntries = try txn.count(of: databases.eventIDs)
            if idEntries != Int(head) {
                return (head, .eventIDIndexMismatch, "the event-id index has \(idEntries) entries for \(head) records")
            }
            return nil
        }
    }
}
