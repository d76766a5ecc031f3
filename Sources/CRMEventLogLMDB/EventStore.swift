import CRMEventLog
import Crypto
import Foundation
import CRMLMDB
import Logging
import Synchronization

/// The durable, append-only event log of one store, kept in one LMDB environment.
///
/// Positions are global, gapless and assigned inside the write transaction (1, 2, 3 …); every
/// event also belongs to a stream with its own version. Appends are durable when they return and
/// are batched by a single writer thread (group commit). Reads are lazy and chunked, so the log
/// is never loaded into memory; subscriptions catch up and then follow the log live.
///
/// Open a store once per process and path, share the instance, and ``close()`` it when done.
public final class EventStore: Sendable {
    /// The on-disk log format version this code reads and writes (see `docs/log-format.md`).
    public static let formatVersion: UInt32 = 1

    /// How an append reaches the disk.
    public enum Durability: Sendable, Hashable {
        /// An append returns after its transaction is synced to disk (the default).
        case durable
        /// Commits are not synced (`MDB_NOSYNC`): on power loss the last transactions are lost,
        /// though the store stays consistent. For bulk loads and tests only.
        case relaxed
    }

    /// Options for opening a store.
    public struct Configuration: Sendable {
        /// The initial LMDB map size; the map grows automatically when full.
        public var initialMapSize: Int
        /// The largest map size growth may reach.
        public var maximumMapSize: Int
        /// The maximum number of concurrent readers across processes.
        public var maxReaders: Int
        /// Whether appends are synced before they return.
        public var durability: Durability
        /// The most events one group-commit transaction takes (a larger single append still goes
        /// through whole, in its own transaction).
        public var maxEventsPerTransaction: Int
        /// How long the writer waits, after a batch of *n* concurrent appends, for *n* appends to
        /// queue up again before it commits. Zero turns lingering off.
        public var groupCommitLinger: Duration
        /// The most named LMDB databases the environment can hold (the log uses four; later
        /// layers add projections and keys to the same environment).
        public var maxNamedDatabases: Int
        /// How often a waiting subscription looks for events appended by another process: a
        /// read-only store learns of new events only this way; a read-write store is woken at
        /// once by its own appends and within this interval by another process's.
        public var readOnlyPollInterval: Duration
        /// Where the store logs (map growth, stale readers, writer failures). Silent by default.
        public var logger: Logger

        /// Creates a configuration.
        public init(
            initialMapSize: Int = 256 << 20,
            maximumMapSize: Int = 1 << 40,
            maxReaders: Int = 126,
            durability: Durability = .durable,
            maxEventsPerTransaction: Int = 50_000,
            groupCommitLinger: Duration = .microseconds(500),
            maxNamedDatabases: Int = 32,
            readOnlyPollInterval: Duration = .milliseconds(20),
            logger: Logger = Logger(label: "crmkit.eventlog", factory: { _ in SwiftLogNoOpLogHandler() })
        ) {
            self.initialMapSize = initialMapSize
            self.maximumMapSize = maximumMapSize
            self.maxReaders = maxReaders
            self.durability = durability
            self.maxEventsPerTransaction = maxEventsPerTransaction
            self.maxNamedDatabases = maxNamedDatabases
            self.groupCommitLinger = groupCommitLinger
            self.readOnlyPollInterval = readOnlyPollInterval
            self.logger = logger
        }
    }

    /// The directory the store lives in.
    public let path: String
    /// Whether the store was opened read-only.
    public let isReadOnly: Bool
    /// The configuration the store was opened with.
    public let configuration: Configuration
    /// The LMDB environment (exposed for maintenance tools and tests).
    public let environment: Environment

    let databases: Databases
    let headWatch: HeadWatch
    /// Append rate, commit size and commit time (swift-metrics, `backend` = `lmdb`).
    private let metrics = CommitMetrics(backend: "lmdb")
    private let writer: GroupCommitWriter?
    private let counters = Counters()
    private let authorizer = Mutex<AppendAuthorizer?>(nil)
    let isClosed = Atomic<Bool>(false)
    private var logger: Logger { configuration.logger }

    /// Opens the store at `path`, creating the directory and the store when they do not exist.
    ///
    /// - Throws: `EventLogError/unsupportedFormat(found:supported:)` for a store of another
    ///   format version, `EventLogError/notAnEventStore(path:)` for a foreign environment,
    ///   `EventLogError/storage(_:)` when LMDB cannot open it.
    public convenience init(path: String, configuration: Configuration = Configuration()) throws {
        try self.init(path: path, configuration: configuration, readOnly: false)
    }

    /// Opens an existing store read-only, for example in a second process while the first one
    /// appends. Subscriptions of a read-only store poll for new events.
    public static func openReadOnly(path: String, configuration: Configuration = Configuration()) throws -> EventStore {
        try EventStore(path: path, configuration: configuration, readOnly: true)
    }

    private init(path: String, configuration: Configuration, readOnly: Bool) throws {
        if !readOnly {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw EventLogError.fileSystem(path: path, reason: "cannot create the store directory (\(error.localizedDescription))")
            }
        }
        var flags: Environment.Flags = readOnly ? [.readOnly] : []
        if configuration.durability == .relaxed { flags.insert(.noSync) }
        let environment: Environment
        do {
            environment = try Environment(path: path, configuration: .init(
                mapSize: configuration.initialMapSize, maximumMapSize: configuration.maximumMapSize,
                maxReaders: configuration.maxReaders, maxDatabases: configuration.maxNamedDatabases, flags: flags))
        } catch {
            throw EventLogError.storage(StorageFailure(error))
        }
        let databases: Databases
        do {
            databases = try Databases.open(in: environment, path: path, readOnly: readOnly)
        } catch {
            environment.close()
            throw error
        }
        self.path = path
        self.isReadOnly = readOnly
        self.configuration = configuration
        self.environment = environment
        self.databases = databases
        let head = try Self.mapStorage { try environment.read { txn in try databases.head(in: txn) } }
        self.headWatch = HeadWatch(head: head)
        if environment.staleReadersCleared > 0 {
            configuration.logger.notice("cleared stale reader slots", metadata: ["count": "\(environment.staleReadersCleared)", "path": "\(path)"])
        }
        if readOnly {
            writer = nil
        } else {
            let box = WeakStore()
            writer = GroupCommitWriter(
                maxEventsPerTransaction: configuration.maxEventsPerTransaction, linger: configuration.groupCommitLinger
            ) { batch in
                if let store = box.store { store.commit(batch) } else { batch.fail(with: EventLogError.closed) }
            }
            box.store = self
        }
        configuration.logger.debug("opened event store", metadata: ["path": "\(path)", "head": "\(head)", "readOnly": "\(readOnly)"])
    }

    deinit {
        close()
    }

    /// Finishes queued appends, ends subscriptions and closes the environment. Idempotent.
    public func close() {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        writer?.stop()
        headWatch.close()
        environment.close()
    }

    // MARK: Appending

    /// Appends events to one stream atomically and returns where they landed.
    ///
    /// Returns after the transaction is durable (with ``Durability/durable``).
    @discardableResult
    public func append(to stream: String, expectedVersion: ExpectedVersion = .any, events: [NewEvent]) async throws -> AppendResult {
        try await append([StreamAppend(stream: stream, expectedVersion: expectedVersion, events: events)])
    }

    /// Appends events to several streams in one atomic step: all of them or, when any stream's
    /// expected version fails, none.
    ///
    /// An append whose every event id is already stored with the same content appends nothing and
    /// returns the original positions with `AppendResult/wasAlreadyStored` set.
    ///
    /// The append shares its write transaction with appends from other tasks (group commit); a
    /// storage failure of that transaction (a full disk, say) fails every append in it, and
    /// none of them is stored.
    @discardableResult
    public func append(_ appends: [StreamAppend]) async throws -> AppendResult {
        guard let writer else { throw EventLogError.readOnly }
        guard !isClosed.load(ordering: .acquiring) else { throw EventLogError.closed }
        try authorize(appends.map { append in AppendRequest.Stream(name: append.stream, events: append.events) })
        let prepared = try PreparedAppend(appends)
        counters.appendCalls.add(1, ordering: .relaxed)
        return try await withCheckedThrowingContinuation { continuation in
            if !writer.submit(.append(PendingAppend(request: prepared, continuation: continuation))) {
                continuation.resume(throwing: EventLogError.closed)
            }
        }
    }

    // MARK: Authorization

    /// Installs a check that sees every append and import (actor, streams, events) before it
    /// reaches the writer, and can refuse it by throwing; the append then throws
    /// `EventLogError/appendRefused(reason:)` with the check's error as reason, and nothing is
    /// appended. `nil` removes the check.
    public func setAppendAuthorizer(_ check: AppendAuthorizer?) {
        authorizer.withLock { $0 = check }
    }

    private func authorize(_ streams: [AppendRequest.Stream]) throws {
        guard let check = authorizer.withLock({ $0 }) else { return }
        do {
            try check(AppendRequest(streams: streams))
        } catch {
            throw EventLogError.appendRefused(reason: "\(error)")
        }
    }

    // MARK: Importing

    /// Appends `events` in one write transaction exactly as another store recorded them, with
    /// their positions, stream versions and recorded times, and returns the new head position.
    ///
    /// Use it to restore an exported log: importing every event of a store, read as
    /// `RecordedEvent`s and converted with `ImportedEvent/init(_:)`, into an empty store gives
    /// the same records byte for byte, so the same chain hashes (computed as for any append), and
    /// the result passes ``verify(anchor:)``. The import can be split into several calls, each
    /// continuing where the previous one ended.
    ///
    /// All or nothing: on any error nothing is appended. The import goes through the same single
    /// writer as appends, in a transaction of its own, with the store's ``Durability``; it wakes
    /// subscribers like an append. Its events count in ``statistics`` as appended events.
    ///
    /// - Throws: `EventLogError/emptyAppend` without events;
    ///   `EventLogError/importPositionMismatch(expected:found:)` unless the positions run
    ///   from the head + 1 without gaps;
    ///   `EventLogError/importStreamVersionMismatch(stream:expected:found:)` unless every event
    ///   has its stream's current version + 1 (counting earlier events of the import);
    ///   `EventLogError/duplicateEventIDInAppend(_:)` for an id given twice;
    ///   `EventLogError/importEventIDAlreadyStored(id:storedAt:)` for an id the store holds;
    ///   `EventLogError/importRecordedAtDecreasing(position:recordedAt:previous:)` when a
    ///   recorded time is earlier than the one before it; the limit errors of an append
    ///   (`EventLogError/invalidStreamName(_:reason:)`, `EventLogError/invalidEventType(_:reason:)`,
    ///   `EventLogError/fieldTooLong(field:length:limit:)`); `EventLogError/readOnly`,
    ///   `EventLogError/closed` and `EventLogError/storage(_:)` as an append does.
    @discardableResult
    public func importEvents(_ events: [ImportedEvent]) async throws -> UInt64 {
        guard let writer else { throw EventLogError.readOnly }
        guard !isClosed.load(ordering: .acquiring) else { throw EventLogError.closed }
        try authorize(events.map { AppendRequest.Stream(name: $0.stream, events: [NewEvent(
            id: $0.id, type: $0.type, schemaVersion: $0.schemaVersion, occurredAt: $0.occurredAt, actor: $0.actor,
            correlationID: $0.correlationID, causationID: $0.causationID, payload: $0.payload)]) })
        let prepared = try PreparedImport(events)
        return try await withCheckedThrowingContinuation { continuation in
            if !writer.submit(.importEvents(PendingImport(request: prepared, continuation: continuation))) {
                continuation.resume(throwing: EventLogError.closed)
            }
        }
    }

    /// Runs on the writer thread.
    fileprivate func commit(_ batch: WriteBatch) {
        switch batch {
        case .appends(let appends): commit(appends)
        case .importEvents(let pending): commit(pending)
        }
    }

    /// Runs on the writer thread: one write transaction for one import, aborted when it is
    /// rejected.
    private func commit(_ pending: PendingImport) {
        let started = DispatchTime.now().uptimeNanoseconds
        var rejection: EventLogError?
        let newHead: UInt64
        let growthsBefore = environment.mapGrowths
        do {
            newHead = try environment.write { txn in
                rejection = nil
                var state = try BatchState(txn: txn, databases: databases)
                switch try state.applyImport(pending.request, txn: txn, databases: databases) {
                case .success(let head):
                    return head
                case .failure(let error):
                    rejection = error
                    throw error
                }
            }
        } catch {
            if let rejection {
                pending.continuation.resume(throwing: rejection)
                return
            }
            let failure = EventLogError.wrapping(error)
            logger.error("import transaction failed", metadata: ["error": "\(failure)", "events": "\(pending.request.events.count)"])
            pending.continuation.resume(throwing: failure)
            return
        }
        if environment.mapGrowths != growthsBefore {
            logger.info("grew the LMDB map", metadata: ["mapSize": "\(environment.info.mapSize)"])
        }
        counters.transactions.add(1, ordering: .relaxed)
        counters.events.add(pending.request.events.count, ordering: .relaxed)
        metrics.committed(events: pending.request.events.count, nanoseconds: DispatchTime.now().uptimeNanoseconds &- started)
        headWatch.publish(head: newHead)
        pending.continuation.resume(returning: newHead)
    }

    /// Runs on the writer thread: one write transaction for the whole batch.
    private func commit(_ batch: [PendingAppend]) {
        let started = DispatchTime.now().uptimeNanoseconds
        var outcomes: [Result<AppendResult, EventLogError>] = []
        var newHead: UInt64 = 0
        let growthsBefore = environment.mapGrowths
        do {
            try environment.write { txn in
                outcomes.removeAll(keepingCapacity: true)
                var state = try BatchState(txn: txn, databases: databases)
                for pending in batch {
                    outcomes.append(try state.apply(pending.request, txn: txn, databases: databases))
                }
                newHead = state.head
            }
        } catch {
            let failure = EventLogError.wrapping(error)
            logger.error("write transaction failed", metadata: ["error": "\(failure)", "appends": "\(batch.count)"])
            for pending in batch { pending.continuation.resume(throwing: failure) }
            return
        }
        if environment.mapGrowths != growthsBefore {
            logger.info("grew the LMDB map", metadata: ["mapSize": "\(environment.info.mapSize)"])
        }
        counters.transactions.add(1, ordering: .relaxed)
        let appended = outcomes.reduce(0) { sum, outcome in
            guard case .success(let result) = outcome, !result.wasAlreadyStored else { return sum }
            return sum + result.events.count
        }
        counters.events.add(appended, ordering: .relaxed)
        metrics.committed(events: appended, nanoseconds: DispatchTime.now().uptimeNanoseconds &- started)
        // Subscribers may wake before the appenders do; both see a committed, durable head.
        headWatch.publish(head: newHead)
        for (pending, outcome) in zip(batch, outcomes) {
            switch outcome {
            case .success(let result): pending.continuation.resume(returning: result)
            case .failure(let error): pending.continuation.resume(throwing: error)
            }
        }
    }

    // MARK: Inspecting

    /// The position of the last event (0 for an empty log).
    public func head() throws -> UInt64 {
        try Self.mapStorage { try environment.read { txn in try databases.head(in: txn) } }
    }

    /// The chain hash stored with the event at `position` (the head hash of the log cut there);
    /// for position 0, the 32 zero bytes the chain starts from. `nil` beyond the head.
    ///
    /// An auditor who keeps this value outside the system can later prove the log up to
    /// `position` unchanged with ``verify(anchor:)``.
    public func hash(at position: UInt64) throws -> [UInt8]? {
        if position == 0 { return RecordFormat.genesisHash }
        return try Self.mapStorage {
            try environment.read { txn in
                try databases.withRecord(at: position, in: txn) { Array($0.hash) }
            }
        }
    }

    /// The head position and its chain hash, read together: the value an auditor anchors outside
    /// the system. For an empty log, position 0 and 32 zero bytes.
    public func headAnchor() throws -> HeadAnchor {
        try Self.mapStorage {
            try environment.read { txn in
                let head = try databases.head(in: txn)
                guard head > 0 else { return HeadAnchor(position: 0, hash: RecordFormat.genesisHash) }
                let hash = try databases.withRecord(at: head, in: txn) { Array($0.hash) } ?? []
                return HeadAnchor(position: head, hash: hash)
            }
        }
    }

    /// The current version of `stream` (0 when it does not exist).
    public func streamVersion(of stream: String) throws -> UInt64 {
        try Self.mapStorage { try environment.read { txn in try databases.streamVersion(of: Array(stream.utf8), in: txn) } }
    }

    /// The event at `position`, or `nil` beyond the head.
    public func event(at position: UInt64) throws -> RecordedEvent? {
        try Self.mapStorage { try environment.read { txn in try databases.withRecord(at: position, in: txn) { $0.decoded() } } }
    }

    /// The position of the event with `id`, or `nil` when no such event is stored.
    public func position(ofEventID id: UUID) throws -> UInt64? {
        try Self.mapStorage { try environment.read { txn in try databases.position(ofEventID: id, in: txn) } }
    }

    /// Counters of the writer since the store was opened.
    public var statistics: AppendStatistics {
        AppendStatistics(
            appendCalls: counters.appendCalls.load(ordering: .relaxed),
            writeTransactions: counters.transactions.load(ordering: .relaxed),
            eventsAppended: counters.events.load(ordering: .relaxed),
            mapGrowths: environment.mapGrowths)
    }

    /// The stream's category: the part before the first `-`, or the whole name without one.
    public static func category(of stream: String) -> String {
        EventFilter.category(of: stream)
    }

    /// Runs `body`, turning LMDB errors into `EventLogError/storage(_:)`.
    static func mapStorage<R>(_ body: () throws -> R) throws -> R {
        do { return try body() } catch { throw EventLogError.wrapping(error) }
    }

    /// Runs blocking work off the cooperative thread pool.
    static func offPool<R: Sendable>(_ work: @escaping @Sendable () throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}

/// Counters of a store's writer, to see group commit at work.
public struct AppendStatistics: Sendable, Hashable {
    /// Append calls accepted for the writer.
    public let appendCalls: Int
    /// Write transactions committed.
    public let writeTransactions: Int
    /// Events newly appended, imported ones included (idempotent retries not counted).
    public let eventsAppended: Int
    /// Times the map grew because a write ran out of room.
    public let mapGrowths: Int
}

final class Counters: Sendable {
    let appendCalls = Atomic<Int>(0)
    let transactions = Atomic<Int>(0)
    let events = Atomic<Int>(0)
}

/// Lets the writer thread reach the store without keeping it alive.
final class WeakStore: @unchecked Sendable {
    weak var store: EventStore?
}

extension EventLogError {
    static func wrapping(_ error: any Error) -> EventLogError {
        switch error {
        case let error as EventLogError: error
        case let error as LMDBError: .storage(StorageFailure(error))
        default: .fileSystem(path: "", reason: "\(error)")
        }
    }
}

extension EventStore: EventLogStore, ConcurrentlyScannable {}

extension StorageFailure {
    /// The backend-neutral form of an LMDB error: its kind, its code, and its whole message.
    package init(_ error: LMDBError) {
        let kind: Kind
        switch error.kind {
        case .noSpace: kind = .noSpace
        case .mapFull: kind = .mapFull
        case .readOnlyFileSystem: kind = .readOnly
        case .noSuchFile: kind = .noSuchFile
        case .permissionDenied: kind = .permissionDenied
        case .corrupted, .pageNotFound, .panic, .versionMismatch, .invalid, .incompatible: kind = .corrupted
        case .busy, .readersFull, .databasesFull, .tlsFull, .transactionFull, .cursorFull, .pageFull: kind = .busy
        case .ioError: kind = .ioError
        default: kind = .other
        }
        self.init(kind: kind, code: error.code, message: error.description)
    }
}
