import CRMEventLog
import CRMLMDB
import Foundation

/// The state of a lazy read between chunks: where to continue, and how far to go.
struct ReadCursor: Sendable {
    enum Matcher: Sendable {
        case all
        case stream(prefix: [UInt8])
        case category(name: [UInt8])
        case types([[UInt8]])
    }

    let matcher: Matcher
    /// Whether every record of the log matches (no per-record test, no copy of the matcher).
    let matchesEveryRecord: Bool
    /// The bookkeeping every backend's read keeps, read and written as `bounds.…` in the scan
    /// loop (a protocol forwarding its fields across modules cost the forward scan 20 %).
    var bounds: ReadBounds

    /// Records looked at per read transaction, so no transaction stays open long.
    static let scanBudget = 4096

    init(filter: EventFilter, direction: ReadDirection, from: UInt64?, through: UInt64, limit: Int?) {
        switch filter {
        case .all: matcher = .all
        case .stream(let name): matcher = .stream(prefix: Array(name.utf8) + [0])
        case .category(let name): matcher = .category(name: Array(name.utf8))
        case .eventTypes(let types): matcher = .types(types.map { Array($0.utf8) })
        }
        if case .all = matcher { matchesEveryRecord = true } else { matchesEveryRecord = false }
        bounds = ReadBounds(filter: filter, direction: direction, from: from, through: through, limit: limit)
    }

    /// Reads the next chunk in one read transaction, passing each matching record to `body`.
    mutating func advance(in txn: ReadTransaction, databases: Databases, body: (RecordView) throws -> Void) throws {
        guard !bounds.exhausted else { return }
        if case .stream(let prefix) = matcher {
            try advanceStream(prefix: prefix, txn: txn, databases: databases, body: body)
        } else {
            try advanceLog(in: txn, databases: databases, body: body)
        }
    }

    @inline(__always)
    private func matches(_ view: RecordView) -> Bool {
        switch matcher {
        case .all, .stream:
            return true
        case .category(let name):
            if name.contains(UInt8(ascii: "-")) { return false }
            let stream = view.streamBytes
            guard stream.count >= name.count, stream.prefix(name.count).elementsEqual(name) else { return false }
            if stream.count == name.count { return true }
            return stream[name.count] == UInt8(ascii: "-")
        case .types(let types):
            let type = view.typeBytes
            return types.contains { type.elementsEqual($0) }
        }
    }

    /// Moves past `key` (a position, or a version in a stream read). Returns `false` when the read
    /// is over or this chunk's budget is spent.
    private mutating func step(past key: UInt64, budget: inout Int) -> Bool {
        if bounds.direction == .forward {
            bounds.next = key + 1
        } else {
            guard key > 1 else {
                bounds.exhausted = true
                return false
            }
            bounds.next = key - 1
        }
        if bounds.remaining == 0 {
            bounds.exhausted = true
            return false
        }
        budget -= 1
        return budget > 0
    }

    private mutating func advanceLog(in txn: ReadTransaction, databases: Databases, body: (RecordView) throws -> Void) throws {
        try txn.withCursor(on: databases.log) { cursor in
            var budget = Self.scanBudget
            var key = bounds.next.bigEndian
            var entry = try withUnsafeBytes(of: &key) { k in
                bounds.direction == .forward ? try cursor.seek(atLeast: k) : try cursor.seek(atMost: k)
            }
            while let current = entry {
                let position = try Databases.position(current.key, in: "a log key")
                if position > bounds.limitPosition {
                    if bounds.direction == .forward { bounds.exhausted = true; return }
                    entry = try cursor.previous()
                    continue
                }
                let view = try RecordView(validating: current.value, at: position)
                if matchesEveryRecord || matches(view) {
                    try body(view)
                    bounds.remaining -= 1
                }
                guard step(past: position, budget: &budget) else { return }
                entry = bounds.direction == .forward ? try cursor.next() : try cursor.previous()
            }
            bounds.exhausted = true
        }
    }

    private mutating func advanceStream(prefix: [UInt8], txn: ReadTransaction, databases: Databases, body: (RecordView) throws -> Void) throws {
        try txn.withCursor(on: databases.streams) { cursor in
            var budget = Self.scanBudget
            var start = prefix
            withUnsafeBytes(of: bounds.next.bigEndian) { start.append(contentsOf: $0) }
            var entry = bounds.direction == .forward ? try cursor.seek(atLeast: start) : try cursor.seek(atMost: start)
            while let current = entry {
                guard current.key.count == prefix.count + 8, current.key.prefix(prefix.count).elementsEqual(prefix) else {
                    bounds.exhausted = true
                    return
                }
                let version = Databases.uint64(bigEndian: UnsafeRawBufferPointer(rebasing: current.key[prefix.count...]))
                let position = try Databases.position(current.value, in: "a stream index value")
                if position > bounds.limitPosition {
                    if bounds.direction == .forward { bounds.exhausted = true; return }
                } else {
                    let found: Void? = try databases.withRecord(at: position, in: txn) { view in try body(view) }
                    if found == nil {
                        throw EventLogError.corruptRecord(position: position, reason: "the stream index points to a missing record")
                    }
                    bounds.remaining -= 1
                }
                guard step(past: version, budget: &budget) else { return }
                entry = bounds.direction == .forward ? try cursor.next() : try cursor.previous()
            }
            bounds.exhausted = true
        }
    }
}

extension EventStore {
    /// Reads events lazily, in chunks of short read transactions.
    ///
    /// - Parameters:
    ///   - filter: which events; for `EventFilter/stream(_:)` `from` is a stream version.
    ///   - from: the first position (or stream version) to return, inclusive. `nil` starts at the
    ///     beginning (forward) or the end (backward).
    ///   - direction: oldest or newest first.
    ///   - limit: the most events to return.
    ///   - through: the last position to return; `nil` means the head when the read starts, so a
    ///     read ends even while appends continue.
    public func read(
        _ filter: EventFilter = .all, from: UInt64? = nil, direction: ReadDirection = .forward,
        limit: Int? = nil, through: UInt64? = nil
    ) -> EventSequence {
        EventSequence(store: self, filter: filter, from: from, direction: direction, limit: limit, through: through)
    }

    /// Reads events into an array; see ``read(_:from:direction:limit:through:)``.
    public func events(
        _ filter: EventFilter = .all, from: UInt64? = nil, direction: ReadDirection = .forward,
        limit: Int? = nil, through: UInt64? = nil
    ) throws -> [RecordedEvent] {
        var result: [RecordedEvent] = []
        try scan(filter, from: from, direction: direction, limit: limit, through: through) { view in
            result.append(view.decoded())
        }
        return result
    }

    /// Visits stored records without copying them: the fastest way through the log.
    ///
    /// `body` sees each matching record as a `RecordView` that is valid only during the call.
    /// The scan runs in chunks of short read transactions; the parameters are those of
    /// ``read(_:from:direction:limit:through:)``.
    public func scan(
        _ filter: EventFilter = .all, from: UInt64? = nil, direction: ReadDirection = .forward,
        limit: Int? = nil, through: UInt64? = nil, _ body: (RecordView) throws -> Void
    ) throws {
        let bound = try through ?? head()
        var cursor = ReadCursor(filter: filter, direction: direction, from: from, through: bound, limit: limit)
        while !cursor.bounds.exhausted {
            try readChunk(&cursor, body)
        }
    }

    /// Reads one chunk of `cursor` in its own read transaction: the step every read repeats.
    func readChunk(_ cursor: inout ReadCursor, _ body: (RecordView) throws -> Void) throws {
        // The body's own error comes out as it was thrown; only storage errors are mapped.
        var bodyError: (any Error)?
        do {
            try Self.mapStorage {
                try environment.read { txn in
                    try cursor.advance(in: txn, databases: databases) { view in
                        do { try body(view) } catch {
                            bodyError = error
                            throw error
                        }
                    }
                }
            }
        } catch {
            throw bodyError ?? error
        }
    }

    /// Reads one chunk of `cursor`, appending owned copies to `buffer`.
    func readChunk(_ cursor: inout ReadCursor, into buffer: inout [RecordedEvent]) throws {
        try readChunk(&cursor) { buffer.append($0.decoded()) }
    }
}

/// A lazy, finite read of the log; see ``EventStore/read(_:from:direction:limit:through:)``.
public struct EventSequence: AsyncSequence, Sendable {
    /// Each element is an owned copy of a stored event.
    public typealias Element = RecordedEvent

    let store: EventStore
    let filter: EventFilter
    let from: UInt64?
    let direction: ReadDirection
    let limit: Int?
    let through: UInt64?

    /// Creates the iterator; the read's upper bound is fixed when the first chunk is read.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(sequence: self)
    }

    /// Reads one chunk at a time.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let sequence: EventSequence
        var cursor: ReadCursor?
        var buffer: [RecordedEvent] = []
        var index = 0

        init(sequence: EventSequence) {
            self.sequence = sequence
        }

        /// The next event, or `nil` at the end of the read.
        public mutating func next() async throws -> RecordedEvent? {
            if index < buffer.count {
                defer { index += 1 }
                return buffer[index]
            }
            if cursor == nil {
                let bound = try sequence.through ?? sequence.store.head()
                cursor = ReadCursor(filter: sequence.filter, direction: sequence.direction, from: sequence.from, through: bound, limit: sequence.limit)
            }
            buffer.removeAll(keepingCapacity: true)
            index = 0
            while buffer.isEmpty, !cursor!.bounds.exhausted {
                try sequence.store.readChunk(&cursor!, into: &buffer)
            }
            guard !buffer.isEmpty else { return nil }
            index = 1
            return buffer[0]
        }
    }
}
