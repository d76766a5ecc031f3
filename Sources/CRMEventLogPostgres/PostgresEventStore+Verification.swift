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
                            if !walk.check(columns) { break walking }
                        }
                        if rows.count < Self.verifyChunk { break }
                    }
                    try await connection.query("COMMIT", logger: logger)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
                return try walk.finish()
            }
        } catch {
            throw PostgresLogError.wrapping(error, while: "verifying the log")
        }
    }
}

extension ChainWalk {
    /// Checks one row: its record through the chain, then its indexed columns against the
    /// record. Returns whether the walk may go on.
    mutating func check(_ row: (Int64, String, Int64, String, String, UUID, Int64, ByteBuffer, ByteBuffer)) -> Bool {
        let (rowPosition, stream, rowVersion, category, type, id, recordedAt, hash, record) = row
        return record.withUnsafeReadableBytes { bytes in
            check(position: UInt64(rowPosition), record: bytes) { view, digest in
                let recordStream = String(decoding: view.streamBytes, as: UTF8.self)
                let version = view.streamVersion
                if stream != recordStream || UInt64(rowVersion) != version || category != EventFilter.category(of: recordStream) {
                    return (.streamIndexMismatch,
                            "the row is indexed as stream '\(stream)' version \(rowVersion) category '\(category)', the record says '\(recordStream)' version \(version)")
                }
                if id != view.id {
                    return (.eventIDIndexMismatch, "the row is indexed under event id \(id), the record has \(view.id)")
                }
                if type != String(decoding: view.typeBytes, as: UTF8.self) || recordedAt != view.recordedAtMicros || Array(buffer: hash) != digest {
                    return (.malformedRecord, "the row's type, recorded time or hash column differs from its record")
                }
                return nil
            }
        }
    }
}
