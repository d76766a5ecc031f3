import Crypto
import CRMEventLog
import Foundation
import PostgresNIO

extension PostgresEventStore {
    /// Rows per round trip of a verification.
    static let verifyChunk = 20_000

    /// Walks the whole log in one `REPEATABLE READ` snapshot with the checks of
    /// `EventStore/verify(anchor:)`: positions 1, 2, 3 … without gaps, every record
    /// parses and carries its own position, recorded times never decrease, every hash equals
    /// SHA-256 of the previous hash and the record's bytes, stream versions run 1, 2, 3 … per
    /// stream, and the indexed columns (stream, version, event id, type, category, recorded
    /// time, hash) agree with the record bytes. With an `anchor`, also checks the log reaches
    /// it and has its hash there.
    ///
    /// Returns the first problem found, or the head and its hash.
    public func verify(anchor: HeadAnchor? = nil) async throws -> VerificationReport {
        guard !isClosed.load(ordering: .acquiring) else { throw EventLogError.closed }
        let logger = logger, events = events
        do {
            return try await readers.withAnyConnection { connection in
                try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                var walk = ChainWalk(anchor: anchor)
                var last: Int64 = 0
                do {
                    walking: while true {
                        let rows = try await connection.query("""
                            SELECT position, stream, stream_version, category, type, event_id, recorded_at, hash, record
                            FROM \(unescaped: events) WHERE position > \(last) ORDER BY position LIMIT \(Int64(Self.verifyChunk))
                            """, logger: logger).collect()
                        for row in rows {
                            let columns = try row.decode((Int64, String, Int64, String, String, UUID, Int64, ByteBuffer, ByteBuffer).self)
                            last = columns.0
                            if walk.check(columns) != nil { break walking }
                        }
                        if rows.count < Self.verifyChunk { break }
                    }
                    try await connection.query("COMMIT", logger: logger)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
                return walk.report()
            }
        } catch {
            throw PostgresLogError.wrapping(error, while: "verifying the log")
        }
    }
}

/// The chain walk of one verification: what it has seen so far and the first problem.
private struct ChainWalk {
    let anchor: HeadAnchor?
    var expected: UInt64 = 1
    var previous = RecordFormat.genesisHash
    var versions: [String: UInt64] = [:]
    var lastRecordedAt = Int64.min
    var problem: VerificationProblem?

    init(anchor: HeadAnchor?) {
        self.anchor = anchor
    }

    /// Checks one row; returns the problem it found, if any (and keeps it).
    mutating func check(
        _ row: (Int64, String, Int64, String, String, UUID, Int64, ByteBuffer, ByteBuffer)
    ) -> VerificationProblem? {
        let (rowPosition, stream, rowVersion, category, type, id, recordedAt, hash, record) = row
        let position = UInt64(rowPosition)
        func fail(_ at: UInt64, _ kind: VerificationProblem.Kind, _ detail: String) -> VerificationProblem {
            let found = VerificationProblem(position: at, kind: kind, detail: detail)
            problem = found
            return found
        }
        if position > expected { return fail(expected, .missingRecord, "position \(expected) is missing; the next record is at \(position)") }
        if position < expected { return fail(expected, .unexpectedKey, "position \(position) is stored out of order") }
        return record.withUnsafeReadableBytes { bytes -> VerificationProblem? in
            let view: RecordView
            do {
                view = try RecordView(validating: bytes, at: position)
            } catch {
                return fail(position, .malformedRecord, "\(error)")
            }
            if view.recordedAtMicros < lastRecordedAt {
                return fail(position, .malformedRecord, "recorded time \(view.recordedAtMicros) µs is earlier than the previous record's \(lastRecordedAt) µs")
            }
            lastRecordedAt = view.recordedAtMicros
            if view.position != position {
                return fail(position, .positionMismatch, "the record stored at \(position) says it is at position \(view.position)")
            }
            var hasher = SHA256()
            hasher.update(data: previous)
            hasher.update(bufferPointer: view.body)
            let digest = Array(hasher.finalize())
            if !view.hash.elementsEqual(digest) {
                return fail(position, .hashMismatch, "stored hash \(Array(view.hash).hexString) differs from the computed \(digest.hexString)")
            }
            let recordStream = String(decoding: view.streamBytes, as: UTF8.self)
            let version = view.streamVersion
            let priorVersion = versions[recordStream] ?? 0
            if version != priorVersion + 1 {
                return fail(position, .streamIndexMismatch, "stream version \(version) follows version \(priorVersion) of its stream")
            }
            versions[recordStream] = version
            if stream != recordStream || UInt64(rowVersion) != version || category != EventStore.category(of: recordStream) {
                return fail(position, .streamIndexMismatch,
                            "the row is indexed as stream '\(stream)' version \(rowVersion) category '\(category)', the record says '\(recordStream)' version \(version)")
            }
            if id != view.id {
                return fail(position, .eventIDIndexMismatch, "the row is indexed under event id \(id), the record has \(view.id)")
            }
            if type != String(decoding: view.typeBytes, as: UTF8.self) || recordedAt != view.recordedAtMicros || Array(buffer: hash) != digest {
                return fail(position, .malformedRecord, "the row's type, recorded time or hash column differs from its record")
            }
            if let anchor, anchor.position == position, anchor.hash != digest {
                return fail(position, .anchorMismatch, "the hash \(digest.hexString) differs from the anchored \(anchor.hash.hexString)")
            }
            previous = digest
            expected += 1
            return nil
        }
    }

    /// The report after the walk.
    func report() -> VerificationReport {
        let head = expected - 1
        if let problem { return VerificationReport(head: head, headHash: previous, problem: problem) }
        if let anchor, anchor.position == 0, anchor.hash != RecordFormat.genesisHash {
            return VerificationReport(head: head, headHash: previous, problem: VerificationProblem(
                position: 0, kind: .anchorMismatch, detail: "an anchor at position 0 must hold the 32 zero bytes the chain starts from"))
        }
        if let anchor, anchor.position > head {
            return VerificationReport(head: head, headHash: previous, problem: VerificationProblem(
                position: head + 1, kind: .truncated, detail: "the log ends at \(head), before the anchored position \(anchor.position)"))
        }
        return VerificationReport(head: head, headHash: previous, problem: nil)
    }
}
