import CRMEventLog
import Foundation
import PostgresNIO

extension PostgresEventStore {
    /// Runs one statement on a reader connection and waits for its rows (blocking).
    func rows(_ query: PostgresQuery, _ operation: @autoclosure () -> String) throws -> [PostgresRow] {
        guard !isClosed.load(ordering: .acquiring) else { throw EventLogError.closed }
        do {
            return try readers.withConnectionBlocking { connection in
                try connection.query(query, logger: logger).wait().rows
            }
        } catch {
            throw PostgresLogError.wrapping(error, while: operation())
        }
    }

    /// Runs one statement on a reader connection without blocking a thread.
    func rowsAsync(_ query: PostgresQuery, _ operation: @autoclosure () -> String) async throws -> [PostgresRow] {
        guard !isClosed.load(ordering: .acquiring) else { throw EventLogError.closed }
        do {
            let logger = logger
            return try await readers.withAnyConnection { connection in
                try await connection.query(query, logger: logger).collect()
            }
        } catch {
            throw PostgresLogError.wrapping(error, while: operation())
        }
    }

    /// The position of the last event (0 for an empty log).
    public func head() throws -> UInt64 {
        let found = try rows("SELECT coalesce(max(position), 0) FROM \(unescaped: events)", "reading the head")
        return try UInt64(found.first?.decode(Int64.self) ?? 0)
    }

    /// The head position and its chain hash, read in one statement. For an empty log, position 0
    /// and 32 zero bytes.
    public func headAnchor() throws -> HeadAnchor {
        let found = try rows("SELECT position, hash FROM \(unescaped: events) ORDER BY position DESC LIMIT 1", "reading the head anchor")
        guard let row = found.first else { return HeadAnchor(position: 0, hash: RecordFormat.genesisHash) }
        let (position, hash) = try row.decode((Int64, ByteBuffer).self)
        return HeadAnchor(position: UInt64(position), hash: Array(buffer: hash))
    }

    /// The chain hash stored with the event at `position`; for 0 the 32 zero bytes the chain
    /// starts from; `nil` beyond the head.
    public func hash(at position: UInt64) throws -> [UInt8]? {
        if position == 0 { return RecordFormat.genesisHash }
        let found = try rows("SELECT hash FROM \(unescaped: events) WHERE position = \(Int64(clamping: position))", "reading the hash at \(position)")
        return try found.first.map { Array(buffer: try $0.decode(ByteBuffer.self)) }
    }

    /// The current version of `stream` (0 when it does not exist).
    public func streamVersion(of stream: String) throws -> UInt64 {
        let found = try rows("SELECT coalesce(max(stream_version), 0) FROM \(unescaped: events) WHERE stream = \(stream)",
                             "reading the version of stream \(stream)")
        return try UInt64(found.first?.decode(Int64.self) ?? 0)
    }

    /// The event at `position`, or `nil` beyond the head.
    public func event(at position: UInt64) throws -> RecordedEvent? {
        let found = try rows("SELECT record FROM \(unescaped: events) WHERE position = \(Int64(clamping: position))",
                             "reading the event at \(position)")
        guard let row = found.first else { return nil }
        return try row.decode(ByteBuffer.self).withUnsafeReadableBytes { try RecordView(validating: $0, at: position).decoded() }
    }

    /// The position of the event with `id`, or `nil` when no such event is stored.
    public func position(ofEventID id: UUID) throws -> UInt64? {
        let found = try rows("SELECT position FROM \(unescaped: events) WHERE event_id = \(id)", "looking up event id \(id)")
        return try found.first.map { UInt64(try $0.decode(Int64.self)) }
    }

    /// Visits stored records without copying them further: each `RecordView` views
    /// the record bytes as the server sent them and is valid only during the call.
    ///
    /// The parameters are those of `EventStore/scan(_:from:direction:limit:through:_:)`:
    /// for a `EventFilter/stream(_:)` filter `from` is a stream version, and `through`
    /// defaults to the head when the scan starts.
    ///
    /// A forward read of the whole log (`EventFilter.all`, the read of rebuilds) fetches
    /// ranges of positions over up to ``Configuration/replayConnections`` reader connections at
    /// once, the next ranges while the records of one are visited; other reads fetch chunks of
    /// up to 20,000 records or 32 MiB, one round trip at a time. Either way each record is
    /// visited once, in order.
    public func scan(
        _ filter: EventFilter = .all, from: UInt64? = nil, direction: ReadDirection = .forward,
        limit: Int? = nil, through: UInt64? = nil, _ body: (RecordView) throws -> Void
    ) throws {
        let bound = try through ?? head()
        var from = from, limit = limit
        if case .all = filter, direction == .forward {
            guard let rest = try replayRanges(from: max(from ?? 1, 1), through: bound, limit: limit ?? Int.max, body) else { return }
            from = rest.next
            limit = limit == nil && rest.remaining > Int.max / 2 ? nil : rest.remaining
        }
        var cursor = ChunkCursor(filter: filter, direction: direction, from: from, through: bound, limit: limit)
        while let query = cursor.nextQuery(events: events) {
            let chunk = try rows(query, "reading the log")
            try cursor.consume(chunk, body)
        }
    }

    /// Follows the log: first every stored event after `after`, then each new one as it is
    /// committed — by any writer on any machine — in order, each exactly once.
    ///
    /// New events are found by polling (every ``Configuration/pollInterval``) and at once after
    /// appends through this store. Positions are assigned and made visible in order (see the
    /// type's documentation), so a poll for `position > last` never skips an event. The sequence
    /// ends when the iterating task is cancelled or the store is closed. For a
    /// `EventFilter/stream(_:)` subscription `after` is a stream version.
    public func subscribe(_ filter: EventFilter = .all, after: UInt64 = 0) -> PostgresSubscription {
        PostgresSubscription(store: self, filter: filter, after: after)
    }

    /// Returns once this store appended beyond `position`, the store closes, the task is
    /// cancelled, or the poll interval passed.
    func waitForHead(beyond position: UInt64) async {
        await headWatch.wait(beyond: position, atMost: configuration.pollInterval)
    }
}

/// A catch-up-then-live subscription to a PostgreSQL log; see
/// ``PostgresEventStore/subscribe(_:after:)``.
public struct PostgresSubscription: AsyncSequence, Sendable {
    /// Each element is an owned copy of a stored event.
    public typealias Element = RecordedEvent

    let store: PostgresEventStore
    let filter: EventFilter
    let after: UInt64

    /// Creates the iterator.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(store: store, follower: CatchUpThenLive(cursor: ChunkCursor(
            filter: filter, direction: .forward, from: after == .max ? .max : after + 1, through: 0, limit: nil)))
    }

    /// Reads chunks while there are stored events, then waits for the next commit.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let store: PostgresEventStore
        var follower: CatchUpThenLive<ChunkCursor>

        /// The next event; `nil` once the task is cancelled or the store is closed.
        public mutating func next() async throws -> RecordedEvent? {
            let store = store
            return try await follower.next(
                isClosed: { store.isClosed.load(ordering: .acquiring) },
                readHead: {
                    UInt64(try await store.rowsAsync("SELECT coalesce(max(position), 0) FROM \(unescaped: store.events)", "reading the head")
                        .first?.decode(Int64.self) ?? 0)
                },
                readChunks: { cursor, head, buffer in
                    cursor.bounds.limitPosition = head
                    cursor.bounds.exhausted = false
                    while buffer.isEmpty, let query = cursor.nextQuery(events: store.events) {
                        let chunk = try await store.rowsAsync(query, "following the log")
                        try cursor.consume(chunk) { buffer.append($0.decoded()) }
                    }
                },
                waitBeyond: { await store.waitForHead(beyond: $0) })
        }
    }
}

/// Where a chunked read of a PostgreSQL log stands: the statement for the next chunk, and the
/// bookkeeping after it (the same semantics as the LMDB store's reads).
struct ChunkCursor: Sendable {
    /// Rows fetched per statement (with fewer, a large result's fixed cost per round trip on
    /// loopback — tens of milliseconds here — dominates replay).
    static let chunkSize = 20_000

    enum Matcher: Sendable {
        case all
        case stream(String)
        case category(String)
        case types([String])
    }

    let matcher: Matcher
    /// The bookkeeping every backend's read keeps, read and written as `bounds.…` in the scan
    /// loop (a protocol forwarding its fields across modules cost the forward scan 20 %).
    var bounds: ReadBounds

    init(filter: EventFilter, direction: ReadDirection, from: UInt64?, through: UInt64, limit: Int?) {
        switch filter {
        case .all: matcher = .all
        case .stream(let name): matcher = .stream(name)
        case .category(let name): matcher = .category(name)
        case .eventTypes(let types): matcher = .types(types.sorted())
        }
        bounds = ReadBounds(filter: filter, direction: direction, from: from, through: through, limit: limit)
    }

    /// The most record bytes one chunk carries (at least one record, however large).
    static let chunkBytes: Int64 = 32 << 20

    /// The statement reading the next chunk, or `nil` when the read is over.
    ///
    /// The chunk's records come back laid end to end in one `bytea` (they are self-delimiting),
    /// so the client parses one value per chunk instead of one row per event — the difference
    /// between about 20 k and several 100 k events/s on loopback. The statement also returns how
    /// many rows matched and how many fit into ``chunkBytes``.
    func nextQuery(events: String) -> PostgresQuery? {
        guard !bounds.exhausted else { return nil }
        if bounds.direction == .backward, bounds.next == 0 { return nil }
        let count = Int64(min(Self.chunkSize, bounds.remaining))
        let key = Int64(clamping: bounds.next), limit = Int64(clamping: bounds.limitPosition)
        let forward = bounds.direction == .forward
        let order = forward ? "ASC" : "DESC"
        let compare = forward ? ">=" : "<="
        var query: PostgresQuery
        switch matcher {
        case .stream(let name):
            query = "SELECT stream_version AS key, record FROM \(unescaped: events) WHERE stream = \(name) AND stream_version \(unescaped: compare) \(key) AND position <= \(limit) ORDER BY stream_version \(unescaped: order) LIMIT \(count)"
        case .all:
            query = "SELECT position AS key, record FROM \(unescaped: events) WHERE position \(unescaped: compare) \(key) AND position <= \(limit) ORDER BY position \(unescaped: order) LIMIT \(count)"
        case .category(let name):
            query = "SELECT position AS key, record FROM \(unescaped: events) WHERE category = \(name) AND position \(unescaped: compare) \(key) AND position <= \(limit) ORDER BY position \(unescaped: order) LIMIT \(count)"
        case .types(let types):
            query = "SELECT position AS key, record FROM \(unescaped: events) WHERE type = ANY(\(types)) AND position \(unescaped: compare) \(key) AND position <= \(limit) ORDER BY position \(unescaped: order) LIMIT \(count)"
        }
        let inner = query.sql
        let sql = """
            SELECT count(*)::int8, count(*) FILTER (WHERE running - len < \(Self.chunkBytes))::int8,
                   string_agg(record, ''::bytea ORDER BY key \(order)) FILTER (WHERE running - len < \(Self.chunkBytes))
            FROM (SELECT key, record, octet_length(record)::int8 AS len,
                         sum(octet_length(record)::int8) OVER (ORDER BY key \(order) ROWS UNBOUNDED PRECEDING) AS running
                  FROM (\(inner)) AS chunk) AS sized
            """
        return PostgresQuery(unsafeSQL: sql, binds: query.binds)
    }

    /// Passes each record of the chunk to `body`, in order, and moves past the chunk.
    mutating func consume(_ rows: [PostgresRow], _ body: (RecordView) throws -> Void) throws {
        let requested = min(Self.chunkSize, bounds.remaining)
        guard let row = rows.first else { throw EventLogError.corruptRecord(position: bounds.next, reason: "a chunk read returned no row") }
        let (matched, taken, blob) = try row.decode((Int64, Int64, ByteBuffer?).self)
        var seen = 0
        if let blob {
            try blob.withUnsafeReadableBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let (view, length) = try RecordBlob.record(in: bytes, at: offset, position: bounds.next, of: "chunk")
                    try body(view)
                    let key: UInt64
                    if case .stream = matcher { key = view.streamVersion } else { key = view.position }
                    bounds.next = bounds.direction == .forward ? key + 1 : key - 1
                    bounds.remaining -= 1
                    seen += 1
                    offset += length
                }
            }
        }
        guard seen == Int(taken) else {
            throw EventLogError.corruptRecord(position: bounds.next, reason: "a chunk holds \(seen) records where \(taken) were sent")
        }
        let cutByBytes = taken < matched
        if bounds.remaining == 0 || (bounds.direction == .backward && bounds.next == 0) || (!cutByBytes && Int(matched) < requested) { bounds.exhausted = true }
    }
}

/// The records of a chunk or range, laid end to end in one `bytea`.
enum RecordBlob {
    /// The record starting at `offset` of `bytes`, validated, and its length; `position` names
    /// the record in errors, `what` the read ("chunk", "range").
    static func record(in bytes: UnsafeRawBufferPointer, at offset: Int, position: UInt64, of what: String) throws -> (RecordView, Int) {
        let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
        guard let length = RecordFormat.recordLength(startingAt: rest), length <= rest.count else {
            throw EventLogError.corruptRecord(position: position, reason: "a record of the \(what) is cut short")
        }
        return (try RecordView(validating: UnsafeRawBufferPointer(rebasing: rest[..<length]), at: position), length)
    }
}
