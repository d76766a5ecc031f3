import Foundation

/// The log protocol: what `CRMDomain`, `CRMProjections` and the command line need of a log,
/// implemented by the embedded LMDB `EventStore` (module `CRMEventLogLMDB`) and by
/// `PostgresEventStore` (module `CRMEventLogPostgres`). This module knows neither backend.
///
/// Every backend keeps the same semantics: global positions 1, 2, 3 … without gaps and in
/// commit order; streams with versions checked against an ``ExpectedVersion``; atomic appends
/// over several streams; idempotent event ids (a retry with the same content returns the stored
/// positions, different content is ``EventLogError/eventIDConflict(id:storedAt:)``); records in
/// the byte format of `docs/log-format.md`, chained by SHA-256, so the same events imported into
/// either backend give the same head hash; and subscriptions that catch up and then follow the
/// log, each event exactly once, in order.
///
/// Reads are synchronous: on a networked backend each one waits for a
/// round trip, so call them where blocking a thread for that long is acceptable. Appends,
/// imports and verification are asynchronous.
public protocol EventLogStore: AnyObject, Sendable {
    /// The live sequence ``subscribe(_:after:)`` returns.
    associatedtype Subscription: AsyncSequence<RecordedEvent, any Error>, Sendable

    /// Whether the store refuses appends.
    var isReadOnly: Bool { get }

    /// Appends events to several streams in one atomic step: every event or none, each stream's
    /// ``ExpectedVersion`` checked, and returns after the append is durable. A retry of an
    /// append whose event ids are all stored with the same content returns the stored positions.
    @discardableResult
    func append(_ appends: [StreamAppend]) async throws -> AppendResult

    /// Restores events exactly as another store recorded them (positions, stream versions,
    /// recorded times), continuing the log at its head + 1. Returns the new head position.
    @discardableResult
    func importEvents(_ events: [ImportedEvent]) async throws -> UInt64

    /// The position of the last event (0 for an empty log).
    func head() throws -> UInt64

    /// The head position and its chain hash, read together.
    func headAnchor() throws -> HeadAnchor

    /// The chain hash stored with the event at `position`; the genesis hash for 0, `nil`
    /// beyond the head.
    func hash(at position: UInt64) throws -> [UInt8]?

    /// The current version of `stream` (0 when it does not exist).
    func streamVersion(of stream: String) throws -> UInt64

    /// The event at `position`, or `nil` beyond the head.
    func event(at position: UInt64) throws -> RecordedEvent?

    /// The position of the event with `id`, or `nil` when no such event is stored.
    func position(ofEventID id: UUID) throws -> UInt64?

    /// Visits stored records as ``RecordView``s, valid only during each call of `body`.
    ///
    /// - Parameters:
    ///   - filter: which events; for ``EventFilter/stream(_:)`` `from` is a stream version.
    ///   - from: the first position (or stream version) to visit, inclusive. `nil` starts at the
    ///     beginning (forward) or the end (backward).
    ///   - direction: oldest or newest first.
    ///   - limit: the most records to visit.
    ///   - through: the last position to visit; `nil` means the head when the scan starts.
    ///   - body: called with each matching record, in order; an error it throws ends the scan
    ///     and is rethrown.
    func scan(
        _ filter: EventFilter, from: UInt64?, direction: ReadDirection, limit: Int?, through: UInt64?,
        _ body: (RecordView) throws -> Void
    ) throws

    /// Follows the log: the stored events after `after`, then each new one as it is committed,
    /// in order, each exactly once. For a ``EventFilter/stream(_:)`` filter `after` is a
    /// stream version.
    func subscribe(_ filter: EventFilter, after: UInt64) -> Subscription

    /// Checks positions, record format, the hash chain and the indexes (and an `anchor`, when
    /// given); returns the first problem or the head and its hash.
    func verify(anchor: HeadAnchor?) async throws -> VerificationReport

    /// Ends subscriptions and releases the store's resources. Idempotent.
    func close()
}

extension EventLogStore {
    /// Appends events to one stream atomically and returns where they landed.
    @discardableResult
    public func append(to stream: String, expectedVersion: ExpectedVersion = .any, events: [NewEvent]) async throws -> AppendResult {
        try await append([StreamAppend(stream: stream, expectedVersion: expectedVersion, events: events)])
    }

    /// Visits stored records without copying them; the parameters are those of
    /// ``scan(_:from:direction:limit:through:_:)``.
    public func scan(
        _ filter: EventFilter = .all, from: UInt64? = nil, direction: ReadDirection = .forward,
        limit: Int? = nil, through: UInt64? = nil, _ body: (RecordView) throws -> Void
    ) throws {
        try scan(filter, from: from, direction: direction, limit: limit, through: through, body)
    }

    /// Reads events into an array; the parameters are those of
    /// ``scan(_:from:direction:limit:through:_:)``.
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

    /// Follows the whole log after `after` (a position).
    public func subscribe(after: UInt64 = 0) -> Subscription {
        subscribe(.all, after: after)
    }

    /// Verifies the whole log without an anchor.
    public func verify() async throws -> VerificationReport {
        try await verify(anchor: nil)
    }
}

/// A log whose ``EventLogStore/scan(_:from:direction:limit:through:_:)`` may be called from
/// several threads at once, each call reading in its own snapshot: a rebuild may then read and
/// decode disjoint ranges of positions on worker threads (the LMDB `EventStore` is one; a store
/// whose reads share one connection is not).
public protocol ConcurrentlyScannable: EventLogStore {}
