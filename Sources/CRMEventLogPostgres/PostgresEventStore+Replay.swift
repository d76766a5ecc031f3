import CRMEventLog
import Foundation
import PostgresNIO

// Replay: a forward read of the whole log (`EventFilter.all`), the read of rebuilds and of a
// projection catching up. Positions are gapless and every position up to the bound is committed,
// so the read can be cut into ranges of positions known before any of them is fetched, and the
// ranges fetched over several reader connections at once: while the records of one range are
// visited on the calling thread, the server backends of the next ranges already gather theirs.
//
// Each range comes back as one `bytea` of its records laid end to end (one value per round
// trip, not one row per event), gathered by a plain `string_agg` over an index range scan in
// position order — no window function and no sort on the server (PostgreSQL 15 sorts the input
// of an aggregate with `ORDER BY`, even when it already arrives in that order). Measured on the
// 2-core machine, server-side only: ~0.8 µs per record for the plain form against ~1.9 µs for
// the chunked read's byte-capped form (docs/benchmarks.md, "PostgreSQL beside LMDB").

/// How a replay cuts the log into ranges.
enum ReplayRanges {
    /// Records in the first range of a replay, before their size is known.
    static let firstCount = 2_048
    /// The fewest and most records one range asks for.
    static let countRange = 64...65_536
    /// The bytes a range aims at; the next range's record count follows the mean record size
    /// of the last one. On the 2-core machine (1 M events, 4 connections) 256 KiB ranges cost the
    /// server ~1.0 µs per record, 1 MiB ranges ~1.5 µs and 4 MiB ranges more (large buffers are
    /// mapped and zeroed anew for every statement); 128 KiB ranges cost more round trips than
    /// they save.
    static let targetBytes = 256 << 10

    /// The record count of the next range after one of `records` records in `bytes` bytes.
    static func nextCount(records: Int, bytes: Int) -> Int {
        guard records > 0 else { return firstCount }
        let mean = max(bytes / records, 1)
        return min(max(targetBytes / mean, countRange.lowerBound), countRange.upperBound)
    }
}

/// Where a replay stopped before its end, for the chunked read to go on from there.
struct ReplayRest {
    /// The next position to visit.
    var next: UInt64
    /// The records still wanted.
    var remaining: Int
}

extension PostgresEventStore {
    /// The statement fetching positions `first...last` as one `bytea` (records in position
    /// order, end to end) and the number of records in it.
    ///
    /// The `LIMIT` (which cuts nothing: the range holds at most that many rows) makes the
    /// planner read the primary key in order: without it, on a table not yet analyzed (just
    /// loaded or imported, the moment a rebuild reads it), it chose a bitmap heap scan and
    /// sorted every range, which doubled the server's time per record.
    func rangeQuery(_ first: UInt64, _ last: UInt64) -> PostgresQuery {
        """
        SELECT count(*)::int8, string_agg(record, ''::bytea)
        FROM (SELECT record FROM \(unescaped: events) WHERE position BETWEEN \(Int64(clamping: first)) AND \(Int64(clamping: last))
              ORDER BY position LIMIT \(Int64(clamping: last - first + 1))) AS range
        """
    }

    /// Visits positions `first...last` (at most `limit` records) in order, fetching ranges of
    /// positions over up to ``Configuration/replayConnections`` reader connections at once.
    ///
    /// Returns `nil` when the read is complete, or where the chunked read must go on when this
    /// one could not finish: a range failed on the server (for example a range of huge records
    /// beyond `bytea`'s 1 GiB), came back short (the bound lies beyond the head), or not in
    /// position order. Every record it visits is one the chunked read would visit next, so
    /// nothing is visited twice or skipped.
    func replayRanges(from first: UInt64, through last: UInt64, limit: Int, _ body: (RecordView) throws -> Void) throws -> ReplayRest? {
        guard first <= last, limit > 0 else { return nil }
        guard !isClosed.load(ordering: .acquiring) else { throw EventLogError.closed }
        let slots = max(configuration.replayConnections, 1)
        var connections: [PostgresConnection] = []
        defer { for connection in connections { readers.giveBack(connection) } }
        var pending: [(first: UInt64, count: Int, result: EventLoopFuture<PostgresQueryResult>)] = []
        // A connection is handed back only after its statement ended, whatever happened.
        defer { for range in pending { _ = try? range.result.wait() } }

        var requested = first          // the next position to ask for
        var unrequested = limit        // records wanted and not asked for yet
        var count = ReplayRanges.firstCount
        var issued = 0                 // ranges asked for; range i uses connection i % slots
        var next = first, remaining = limit

        func askAhead() throws {
            while pending.count < slots, requested <= last, unrequested > 0 {
                let size = Int(min(UInt64(min(count, unrequested)), last - requested + 1))
                let slot = issued % slots
                if slot == connections.count { connections.append(try readers.leaseBlocking()) }
                let query = rangeQuery(requested, requested + UInt64(size) - 1)
                pending.append((requested, size, connections[slot].query(query, logger: logger)))
                requested += UInt64(size)
                unrequested -= size
                issued += 1
            }
        }

        do {
            try askAhead()
        } catch {
            throw PostgresLogError.wrapping(error, while: "reading the log")
        }
        while !pending.isEmpty {
            let range = pending.removeFirst()
            let rows: [PostgresRow]
            do {
                rows = try range.result.wait().rows
            } catch {
                logger.debug("a replay range failed; reading on in chunks", metadata: ["position": "\(next)", "error": "\(String(reflecting: error))"])
                return ReplayRest(next: next, remaining: remaining)
            }
            // The server starts on the next range before this one is visited.
            do {
                try askAhead()
            } catch {
                throw PostgresLogError.wrapping(error, while: "reading the log")
            }
            guard let row = rows.first else { throw EventLogError.corruptRecord(position: next, reason: "a range read returned no row") }
            let (matched, blob) = try row.decode((Int64, ByteBuffer?).self)
            var seen = 0
            var outOfOrder = false
            if let blob {
                try blob.withUnsafeReadableBytes { bytes in
                    var offset = 0
                    while offset < bytes.count {
                        let (view, length) = try RecordBlob.record(in: bytes, at: offset, position: next, of: "range")
                        guard view.position == next else {
                            outOfOrder = true
                            return
                        }
                        try body(view)
                        next += 1
                        remaining -= 1
                        seen += 1
                        offset += length
                    }
                }
                count = ReplayRanges.nextCount(records: seen, bytes: blob.readableBytes)
            }
            if remaining == 0 { return nil }
            if outOfOrder {
                logger.debug("a replay range came back out of order; reading on in chunks", metadata: ["position": "\(next)"])
                return ReplayRest(next: next, remaining: remaining)
            }
            guard seen == Int(matched) else {
                throw EventLogError.corruptRecord(position: next, reason: "a range holds \(seen) records where \(matched) were sent")
            }
            if seen < range.count { return ReplayRest(next: next, remaining: remaining) }
        }
        return nil
    }
}
