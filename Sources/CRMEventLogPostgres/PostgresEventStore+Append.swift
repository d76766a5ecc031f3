import CRMEventLog
import Foundation
import PostgresNIO
import Synchronization

extension PostgresEventStore {
    /// Appends events to several streams in one atomic step: all of them or, when any stream's
    /// expected version fails, none.
    ///
    /// An append whose every event id is already stored with the same content appends nothing and
    /// returns the original positions with `AppendResult/wasAlreadyStored` set; an id
    /// stored with other content throws `EventLogError/eventIDConflict(id:storedAt:)`.
    /// Returns after the transaction committed (durable as the server's `synchronous_commit`
    /// makes it).
    ///
    /// - Throws: the `EventLogError`s of `EventStore/append(_:)`;
    ///   ``PostgresLogError`` when the server fails (nothing is appended then — unless the
    ///   connection broke during `COMMIT`, when a retry with the same event ids tells).
    @discardableResult
    public func append(_ appends: [StreamAppend]) async throws -> AppendResult {
        guard !isClosed.load(ordering: .acquiring) else { throw EventLogError.closed }
        let prepared = try PreparedAppend(appends)
        return try await withCheckedThrowingContinuation { continuation in
            if appendQueue.enqueue(PendingAppend(request: prepared, continuation: continuation)) {
                Task { await self.drainAppendQueue() }
            }
        }
    }

    /// One writer of this store: takes the queued appends as one batch, commits them in one
    /// transaction, and repeats until the queue is empty. At most ``Configuration/connections``
    /// writers run at once; the advisory lock orders their transactions.
    private func drainAppendQueue() async {
        while let batch = appendQueue.takeBatch(maxEvents: configuration.maxEventsPerTransaction) {
            await commit(batch)
        }
    }

    /// Commits a batch of appends in one transaction; each append succeeds or is rejected on its
    /// own, and a failure of the transaction fails all of them (none is stored).
    private func commit(_ batch: [PendingAppend]) async {
        let started = DispatchTime.now().uptimeNanoseconds
        let outcomes: [Result<AppendResult, EventLogError>]
        do {
            let requests = batch.map(\.request)
            outcomes = try await inTransaction("appending \(requests.reduce(0) { $0 + $1.eventCount }) events") { connection in
                let outcomes = try await self.apply(requests, on: connection)
                let stored = outcomes.contains { if case .success(let result) = $0 { !result.wasAlreadyStored } else { false } }
                return (outcomes, stored)
            }
        } catch {
            for pending in batch { pending.continuation.resume(throwing: error) }
            return
        }
        let head = outcomes.reduce(UInt64(0)) { head, outcome in
            guard case .success(let result) = outcome, !result.wasAlreadyStored else { return head }
            return max(head, result.lastPosition)
        }
        let appended = outcomes.reduce(0) { sum, outcome in
            guard case .success(let result) = outcome, !result.wasAlreadyStored else { return sum }
            return sum + result.events.count
        }
        metrics.committed(events: appended, nanoseconds: DispatchTime.now().uptimeNanoseconds &- started)
        if head > 0 { headWatch.publish(head: head) }
        for (pending, outcome) in zip(batch, outcomes) {
            pending.continuation.resume(with: outcome.mapError { $0 as any Error })
        }
    }

    /// Appends `events` in one transaction exactly as another store recorded them (positions,
    /// stream versions, recorded times), and returns the new head; the same checks and errors as
    /// `EventStore/importEvents(_:)`. All or nothing.
    @discardableResult
    public func importEvents(_ events: [ImportedEvent]) async throws -> UInt64 {
        guard !isClosed.load(ordering: .acquiring) else { throw EventLogError.closed }
        let prepared = try PreparedImport(events)
        let head = try await inTransaction("importing \(prepared.events.count) events") { connection in
            let outcome = try await self.apply(prepared, on: connection)
            return (outcome, true)
        }.get()
        headWatch.publish(head: head)
        return head
    }

    /// Runs `body` in a transaction on a pooled connection and commits when it asks to, else
    /// rolls back; any failure rolls back and is wrapped as ``PostgresLogError``.
    func inTransaction<R: Sendable>(
        _ operation: String, _ body: @Sendable (PostgresConnection) async throws -> (R, commit: Bool)
    ) async throws -> R {
        let logger = logger
        return try await writers.withConnection { connection in
            let value: R, commit: Bool
            do {
                try await connection.query("BEGIN", logger: logger)
                (value, commit) = try await body(connection)
            } catch {
                await Self.rollback(connection, logger: logger)
                throw PostgresLogError.wrapping(error, while: operation)
            }
            guard commit else {
                await Self.rollback(connection, logger: logger)
                return value
            }
            do {
                try await connection.query("COMMIT", logger: logger)
            } catch {
                throw PostgresLogError.wrapping(error, while: "committing after \(operation)")
            }
            return value
        }
    }

    /// Rolls back; a connection that cannot even do that is closed, so the pool drops it.
    private static func rollback(_ connection: PostgresConnection, logger: Logger) async {
        do {
            try await connection.query("ROLLBACK", logger: logger)
        } catch {
            try? await connection.close()
        }
    }

    /// The log's head inside the append transaction: position, chain hash, recorded time.
    private struct Head {
        var position: UInt64 = 0
        var hash: [UInt8] = RecordFormat.genesisHash
        var recordedAt = Int64.min
    }

    /// Takes the writers' lock, then reads the head in a statement of its own: its snapshot is
    /// taken after the lock is granted, so it sees every earlier writer's commit.
    private func lockAndReadHead(_ connection: PostgresConnection) async throws -> Head {
        try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
        var head = Head()
        let rows = try await connection.query(
            "SELECT position, hash, recorded_at FROM \(unescaped: events) ORDER BY position DESC LIMIT 1", logger: logger)
        for try await (position, hash, recordedAt) in rows.decode((Int64, ByteBuffer, Int64).self) {
            head = Head(position: UInt64(position), hash: Array(buffer: hash), recordedAt: recordedAt)
        }
        return head
    }

    /// The current versions of `streams` (absent streams are left out, i.e. version 0).
    private func streamVersions(_ streams: [String], on connection: PostgresConnection) async throws -> [String: UInt64] {
        var versions: [String: UInt64] = [:]
        // One backward probe of the stream index per stream: `max(…) … GROUP BY stream` over
        // `stream = ANY(…)` fetched every stored event of those streams (a bitmap heap scan),
        // which grows with the streams' length.
        let rows = try await connection.query("""
            SELECT name, (SELECT stream_version FROM \(unescaped: events) WHERE stream = name ORDER BY stream_version DESC LIMIT 1)
            FROM unnest(\(streams)::text[]) AS name
            """, logger: logger)
        for try await (stream, version) in rows.decode((String, Int64?).self) {
            if let version { versions[stream] = UInt64(version) }
        }
        return versions
    }

    /// A batch of appends inside one transaction, applied in order as the LMDB writer does: each
    /// sees the streams and ids of the ones before it; a rejected append adds nothing.
    private func apply(_ requests: [PreparedAppend], on connection: PostgresConnection) async throws -> [Result<AppendResult, EventLogError>] {
        let head = try await lockAndReadHead(connection)
        let ids = requests.flatMap { $0.streams.flatMap { $0.events.map(\.event.id) } }
        var stored: [UUID: (position: UInt64, record: ByteBuffer)] = [:]
        let found = try await connection.query(
            "SELECT event_id, position, record FROM \(unescaped: events) WHERE event_id = ANY(\(ids))", logger: logger)
        for try await (id, position, record) in found.decode((UUID, Int64, ByteBuffer).self) {
            stored[id] = (UInt64(position), record)
        }
        var versions = try await streamVersions(Array(Set(requests.flatMap { $0.streams.map(\.name) })), on: connection)
        // Recorded time never decreases along the log, even when clocks of machines differ.
        let recordedAt = max(Micros.now(), head.recordedAt)
        var rows = Rows(capacity: requests.reduce(0) { $0 + $1.eventCount }, previousHash: head.hash)
        var position = head.position
        var outcomes: [Result<AppendResult, EventLogError>] = []
        outcomes.reserveCapacity(requests.count)
        appending: for request in requests {
            if request.streams.contains(where: { $0.events.contains { stored[$0.event.id] != nil } }) {
                outcomes.append(try Self.retryOutcome(request, stored: stored, head: position))
                continue
            }
            for stream in request.streams {
                let current = versions[stream.name] ?? 0
                guard stream.expectedVersion.isSatisfied(by: current) else {
                    outcomes.append(.failure(.wrongExpectedVersion(stream: stream.name, expected: stream.expectedVersion, actual: current)))
                    continue appending
                }
            }
            var appended: [AppendedEvent] = []
            appended.reserveCapacity(request.eventCount)
            for stream in request.streams {
                var version = versions[stream.name] ?? 0
                for event in stream.events {
                    position += 1
                    version += 1
                    let record = rows.add(event, stream: stream.name, position: position, streamVersion: version, recordedAt: recordedAt)
                    stored[event.event.id] = (position, record)
                    appended.append(AppendedEvent(id: event.event.id, stream: stream.name, position: position, streamVersion: version))
                }
                versions[stream.name] = version
            }
            outcomes.append(.success(AppendResult(events: appended, wasAlreadyStored: false)))
        }
        if !rows.positions.isEmpty { try await insert(rows, on: connection) }
        return outcomes
    }

    /// The outcome of an append some of whose ids are already stored, decided exactly as the
    /// LMDB store does (`PreparedAppend.retryOutcome`), from the records read in this transaction.
    private static func retryOutcome(
        _ request: PreparedAppend, stored: [UUID: (position: UInt64, record: ByteBuffer)], head: UInt64
    ) throws -> Result<AppendResult, EventLogError> {
        try request.retryOutcome(head: head, noneStored: "an event id was found stored but matches no event of the append") { event in
            guard let (position, record) = stored[event.event.id] else { return nil }
            let version = try record.withUnsafeReadableBytes { bytes -> UInt64? in
                let view = try RecordView(validating: bytes, at: position)
                return view.hasSameContent(as: event) ? view.streamVersion : nil
            }
            return (position, version)
        }
    }

    /// One import inside its transaction, checked event by event in the LMDB store's order:
    /// position, stream version, recorded time, id.
    private func apply(_ request: PreparedImport, on connection: PostgresConnection) async throws -> Result<UInt64, EventLogError> {
        let head = try await lockAndReadHead(connection)
        let firstPosition = request.events.first?.position ?? 0
        guard firstPosition == head.position + 1 else {
            return .failure(.importPositionMismatch(expected: head.position + 1, found: firstPosition))
        }
        var versions = try await streamVersions(Array(Set(request.events.map(\.stream))), on: connection)
        var storedIDs: [UUID: UInt64] = [:]
        let ids = request.events.map(\.encodable.event.id)
        let found = try await connection.query(
            "SELECT event_id, position FROM \(unescaped: events) WHERE event_id = ANY(\(ids))", logger: logger)
        for try await (id, position) in found.decode((UUID, Int64).self) { storedIDs[id] = UInt64(position) }

        var rows = Rows(capacity: request.events.count, previousHash: head.hash)
        var lastRecordedAt = head.recordedAt
        for event in request.events {
            let current = versions[event.stream] ?? 0
            if let violation = event.orderViolation(currentVersion: current, lastRecordedAt: lastRecordedAt) {
                return .failure(violation)
            }
            let id = event.encodable.event.id
            if let storedAt = storedIDs[id] { return .failure(.importEventIDAlreadyStored(id: id, storedAt: storedAt)) }
            rows.add(event.encodable, stream: event.stream, position: event.position, streamVersion: event.streamVersion,
                     recordedAt: event.recordedAtMicros)
            versions[event.stream] = event.streamVersion
            lastRecordedAt = event.recordedAtMicros
        }
        try await insert(rows, on: connection)
        return .success(request.events.last?.position ?? head.position)
    }

    /// Inserts every row with one statement (arrays unnested server-side).
    private func insert(_ rows: Rows, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO \(unescaped: events) (position, stream, stream_version, category, type, event_id, recorded_at, hash, record)
            SELECT * FROM unnest(\(rows.positions)::int8[], \(rows.streams)::text[], \(rows.versions)::int8[], \(rows.categories)::text[],
                                 \(rows.types)::text[], \(rows.ids)::uuid[], \(rows.recordedAts)::int8[], \(rows.hashes)::bytea[],
                                 \(rows.records)::bytea[])
            """, logger: logger)
    }
}

/// The columns of the rows one transaction inserts, with each record encoded and chained to the
/// one before it.
private struct Rows {
    var positions: [Int64] = []
    var streams: [String] = []
    var versions: [Int64] = []
    var categories: [String] = []
    var types: [String] = []
    var ids: [UUID] = []
    var recordedAts: [Int64] = []
    var hashes: [ByteBuffer] = []
    var records: [ByteBuffer] = []
    var previousHash: [UInt8]
    private let allocator = ByteBufferAllocator()

    init(capacity: Int, previousHash: [UInt8]) {
        self.previousHash = previousHash
        positions.reserveCapacity(capacity)
        streams.reserveCapacity(capacity)
        versions.reserveCapacity(capacity)
        categories.reserveCapacity(capacity)
        types.reserveCapacity(capacity)
        ids.reserveCapacity(capacity)
        recordedAts.reserveCapacity(capacity)
        hashes.reserveCapacity(capacity)
        records.reserveCapacity(capacity)
    }

    @discardableResult
    mutating func add(_ event: EncodableEvent, stream: String, position: UInt64, streamVersion: UInt64, recordedAt: Int64) -> ByteBuffer {
        let size = event.encodedSize
        var record = allocator.buffer(capacity: size)
        record.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { buffer in
            let target = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<size])
            previousHash.withUnsafeBytes { previous in
                event.encode(into: target, position: position, streamVersion: streamVersion, recordedAtMicros: recordedAt, previousHash: previous)
            }
            return size
        }
        let hash = record.getBytes(at: size - RecordFormat.hashSize, length: RecordFormat.hashSize) ?? []
        previousHash = hash
        positions.append(Int64(position))
        streams.append(stream)
        versions.append(Int64(streamVersion))
        categories.append(EventFilter.category(of: stream))
        types.append(event.event.type)
        ids.append(event.event.id)
        recordedAts.append(recordedAt)
        hashes.append(ByteBuffer(bytes: hash))
        records.append(record)
        return record
    }
}

/// An append waiting for a writer of its store.
struct PendingAppend: Sendable {
    let request: PreparedAppend
    let continuation: CheckedContinuation<AppendResult, any Error>
}

/// The appends of one store waiting to be committed, and how many writers are draining them.
final class AppendQueue: Sendable {
    private struct State {
        var pending: [PendingAppend] = []
        var writers = 0
    }

    private let state = Mutex(State())
    private let maxWriters: Int

    init(maxWriters: Int) {
        self.maxWriters = maxWriters
    }

    /// Queues `append`; returns whether the caller must start another writer.
    func enqueue(_ append: PendingAppend) -> Bool {
        state.withLock { state in
            state.pending.append(append)
            guard state.writers < maxWriters else { return false }
            state.writers += 1
            return true
        }
    }

    /// The next batch (appends in arrival order, at most `maxEvents` events unless the first is
    /// larger), or `nil` when the queue is empty — the writer then ends.
    func takeBatch(maxEvents: Int) -> [PendingAppend]? {
        state.withLock { state in
            guard !state.pending.isEmpty else {
                state.writers -= 1
                return nil
            }
            var count = 0, events = 0
            for pending in state.pending {
                if count > 0 && events + pending.request.eventCount > maxEvents { break }
                events += pending.request.eventCount
                count += 1
            }
            let batch = Array(state.pending.prefix(count))
            state.pending.removeFirst(count)
            return batch
        }
    }
}
