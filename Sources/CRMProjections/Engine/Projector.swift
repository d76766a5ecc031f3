import CRMDomain
import CRMEventLog
import Foundation
import CRMLMDB
import Logging
import Synchronization

/// Why a projection stopped.
public enum ProjectionError: Error, Sendable, CustomStringConvertible {
    /// An event the model folds could not be decoded.
    case undecodable(position: UInt64, error: CodecError)
    /// The persisted state could not be read.
    case corruptState(model: String, generation: String, reason: String)
    /// The persisted state was built with other rules than the ones given.
    case rulesMismatch(model: String, generation: String, stored: Int, given: Int)
    /// A generation name is empty or contains characters other than letters, digits, `-` and `_`.
    case invalidGeneration(String)
    /// The store is read-only; a projector writes its state into it.
    case readOnlyStore
    /// The store has no local LMDB environment for projection state (a PostgreSQL store opened
    /// without a local state directory).
    case noLocalState

    public var description: String {
        switch self {
        case .undecodable(let position, let error): return "the event at position \(position) cannot be decoded: \(error)"
        case .corruptState(let model, let generation, let reason): return "the stored state of \(model) generation \(generation) is unreadable: \(reason)"
        case .rulesMismatch(let model, let generation, let stored, let given):
            return "\(model) generation \(generation) was built with rules version \(stored), not \(given); rebuild it"
        case .invalidGeneration(let name): return "'\(name)' is not a generation name (letters, digits, '-' and '_')"
        case .readOnlyStore: return "the store is open read-only; a projector needs to write its state"
        case .noLocalState: return "the store has no local state directory for projections; open it with one (PostgresEventStore.Configuration.localStatePath)"
        }
    }
}

/// Where a rebuild stops: a log position or a business date.
public enum AsOf: Sendable, Hashable {
    /// Every event up to and including this position.
    case position(UInt64)
    /// Every event whose business time (occurredAt) is before the end of this day (UTC),
    /// whenever it was recorded.
    case businessDay(CalendarDay)
}

/// The named databases projections keep beside the log.
struct ProjectionStorage: Sendable {
    static let metaName = "projections"

    static func meta(_ store: any EventLogStore) throws -> Database {
        try environment(store).openDatabase(named: metaName, create: !store.isReadOnly)
    }

    /// The local LMDB environment projections of `store` keep their state in.
    static func environment(_ store: any EventLogStore) throws -> Environment {
        guard let environment = store.localEnvironment else { throw ProjectionError.noLocalState }
        return environment
    }

    static func databaseName(_ model: String, _ generation: String) -> String { "\(model).\(generation)" }
    static func checkpointKey(_ model: String, _ generation: String) -> [UInt8] { Array("checkpoint/\(model).\(generation)".utf8) }
    static func rulesKey(_ model: String, _ generation: String) -> [UInt8] { Array("rules/\(model).\(generation)".utf8) }
    static func activeKey(_ model: String) -> [UInt8] { Array("active/\(model)".utf8) }

    static func validate(_ generation: String) throws {
        guard !generation.isEmpty, generation.utf8.count <= 64,
              generation.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") })
        else { throw ProjectionError.invalidGeneration(generation) }
    }

    static func uint64(_ bytes: [UInt8]?) -> UInt64 {
        guard let bytes, bytes.count == 8 else { return 0 }
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    static func bytes(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

    /// The generation readers of `model` use, if one was activated.
    static func activeGeneration(_ store: any EventLogStore, model: String) throws -> String? {
        guard store.isReadOnly == false || (try? meta(store)) != nil else { return nil }
        let meta = try meta(store)
        return try environment(store).read { txn in try txn.value(in: meta, key: activeKey(model)) }
            .map { String(decoding: $0, as: UTF8.self) }
    }
}

/// How a rebuild turns a stored record into an event to fold: the registry and the business-day
/// cut. The one place the rebuild paths (one thread, and the parallel decoder's workers) decode.
struct RecordDecoding: Sendable {
    let registry: EventRegistry
    let cutoffMicros: Int64?

    /// Decodes a stored record for a fold of `types` and passes it to `use`; skips it when
    /// `types` does not hold its type or it lies past the cut.
    @inline(__always)
    func decode(_ view: RecordView, as types: EventTypeFilter, _ use: (consuming DomainEvent, EventInfo) -> Void) throws {
        let occurred = view.occurredAtMicros
        if let cutoffMicros, occurred >= cutoffMicros { return }
        // The type test first, so skipped records cost no decoded value to move around.
        guard let number = registry.catalogNumber(of: view, in: types) else { return }
        do throws(CodecError) {
            use(try registry.decode(view, catalogNumber: number), EventInfo(position: view.position, occurredAtMicros: occurred))
        } catch {
            throw ProjectionError.undecodable(position: view.position, error: error)
        }
    }
}

/// Folds events into a model, one after another: the one step the live path and the rebuild
/// path share.
struct Fold<Model: ReadModel> {
    let registry: EventRegistry
    let cutoffMicros: Int64?

    /// Folds a stored record seen in place.
    @inline(__always)
    func apply(_ view: RecordView, to model: inout Model) throws {
        try RecordDecoding(registry: registry, cutoffMicros: cutoffMicros).decode(view, as: Model.eventTypes) { model.apply($0, $1) }
    }

    /// Folds an owned copy of a stored event (the live subscription's form).
    func apply(_ recorded: RecordedEvent, to model: inout Model) throws {
        guard Model.eventTypes.contains(eventType: recorded.type) else { return }
        let occurred = Micros.from(recorded.occurredAt)
        if let cutoffMicros, occurred >= cutoffMicros { return }
        let event: DomainEvent
        do { event = try registry.decode(recorded) } catch { throw ProjectionError.undecodable(position: recorded.position, error: error) }
        model.apply(event, EventInfo(position: recorded.position, occurredAtMicros: occurred))
    }
}


/// A persisted projection: a ``ReadModel`` kept in memory and in the named database
/// `<model>.<generation>`, with its checkpoint written in the same transaction as its state, so
/// every event is folded into the stored state exactly once — also across crashes.
///
/// ``catchUp(batchSize:progress:)`` folds what was appended since the checkpoint; ``follow(batchSize:)``
/// then keeps folding live. Reads go to the in-memory model (``read(_:)``) or, from any
/// process, to the stored state (``PersistedState``).
public final class Projector<Model: ReadModel>: Sendable {
    /// The log the projection folds (LMDB or PostgreSQL).
    public let store: any EventLogStore
    /// The local LMDB environment holding the projection's state and checkpoint.
    private let environment: Environment
    /// The generation this projector writes.
    public let generation: String
    private let database: Database
    private let meta: Database
    private let fold: Fold<Model>
    private let state: Mutex<(model: Model, checkpoint: UInt64)>
    private let logger: Logger

    /// Opens (or creates) the projection of `Model` in `store`, restoring its stored state and
    /// checkpoint.
    ///
    /// - Parameters:
    ///   - store: the log to fold; it must be writable (state and checkpoint are stored in it).
    ///   - rules: the rules the model computes with; they must equal the rules the stored
    ///     generation was built with.
    ///   - generation: the generation to write; `nil` takes the active one, or `"r<version>"`
    ///     of `rules` when none is active yet.
    ///   - registry: decodes the events; the catalog by default.
    ///   - logger: where progress is logged; nowhere by default.
    /// - Throws: ``ProjectionError/rulesMismatch(model:generation:stored:given:)`` when the
    ///   stored state was built with other rules.
    public init(store: any EventLogStore, rules: CRMRules = .standard, generation: String? = nil, registry: EventRegistry = EventRegistry(),
                logger: Logger = Logger(label: "crmkit.projections", factory: { _ in SwiftLogNoOpLogHandler() })) throws {
        guard !store.isReadOnly else { throw ProjectionError.readOnlyStore }
        self.store = store
        self.logger = logger
        let environment = try ProjectionStorage.environment(store)
        self.environment = environment
        let meta = try ProjectionStorage.meta(store)
        let chosen = try generation ?? ProjectionStorage.activeGeneration(store, model: Model.name) ?? "r\(rules.version)"
        try ProjectionStorage.validate(chosen)
        self.generation = chosen
        self.meta = meta
        let database = try environment.openDatabase(named: ProjectionStorage.databaseName(Model.name, chosen))
        self.database = database
        fold = Fold(registry: registry, cutoffMicros: nil)

        let (model, checkpoint, storedRules) = try Self.load(environment: environment, database: database, meta: meta, generation: chosen, rules: rules)
        if let storedRules {
            let stored = try CRMRules(json: storedRules)
            guard stored == rules else {
                throw ProjectionError.rulesMismatch(model: Model.name, generation: chosen, stored: stored.version, given: rules.version)
            }
        }
        state = Mutex((model, checkpoint))
        if storedRules == nil {
            let json = try rules.json()
            try environment.write { txn in
                try txn.put(in: meta, key: ProjectionStorage.rulesKey(Model.name, chosen), value: Array(json))
            }
        }
    }

    /// Reads the stored state, its checkpoint and the rules it was built with.
    private static func load(environment: Environment, database: Database, meta: Database, generation: String,
                             rules: CRMRules) throws -> (Model, UInt64, Data?) {
        let (entries, checkpoint, storedRules) = try environment.read { txn -> ([ReadModelEntry], UInt64, Data?) in
            let entries = try txn.entries(in: database).map { ReadModelEntry(key: $0.key, value: $0.value) }
            let checkpoint = ProjectionStorage.uint64(try txn.value(in: meta, key: ProjectionStorage.checkpointKey(Model.name, generation)))
            let rules = try txn.value(in: meta, key: ProjectionStorage.rulesKey(Model.name, generation)).map { Data($0) }
            return (entries, checkpoint, rules)
        }
        do {
            return (try Model(rules: rules, entries: entries), checkpoint, storedRules)
        } catch {
            throw ProjectionError.corruptState(model: Model.name, generation: generation, reason: "\(error)")
        }
    }

    /// Runs a fold step on the model in place; if it fails, the model goes back to the stored
    /// state, so memory never runs ahead of the checkpoint.
    private func step(_ state: inout (model: Model, checkpoint: UInt64), _ body: (inout Model) throws -> UInt64) throws {
        do {
            let checkpoint = try body(&state.model)
            guard checkpoint > state.checkpoint else { return }
            try persist(&state.model, checkpoint: checkpoint)
            state.checkpoint = checkpoint
        } catch {
            let (model, checkpoint, _) = try Self.load(environment: environment, database: database, meta: meta, generation: generation,
                                                       rules: state.model.rules)
            state = (model, checkpoint)
            throw error
        }
    }

    /// The position of the last event folded into the stored state.
    public var checkpoint: UInt64 { state.withLock { $0.checkpoint } }

    /// Reads the in-memory model.
    public func read<R>(_ body: (Model) throws -> R) rethrows -> R {
        try state.withLock { try body($0.model) }
    }

    /// Folds every event appended since the checkpoint, up to the head as it is now, writing
    /// state and checkpoint together every `batchSize` events.
    ///
    /// - Parameters:
    ///   - batchSize: the most events folded into one write transaction.
    ///   - progress: called with the new checkpoint after each batch is stored.
    /// - Returns: the number of events read.
    @discardableResult
    public func catchUp(batchSize: Int = 50_000, progress: (UInt64) -> Void = { _ in }) throws -> Int {
        let head = try store.head()
        var processed = 0
        while true {
            let done = try state.withLock { state -> Bool in
                guard state.checkpoint < head else { return true }
                let from = state.checkpoint + 1
                let through = min(head, state.checkpoint + UInt64(max(1, batchSize)))
                try step(&state) { model in
                    try store.scan(.all, from: from, through: through) { view in try fold.apply(view, to: &model) }
                    return through
                }
                processed += Int(through - from + 1)
                return false
            }
            if done { return processed }
            progress(checkpoint)
        }
    }

    /// Catches up, then folds new events as they are appended until the task is cancelled or
    /// the store closes. Events that arrive together are written in one transaction (at most
    /// `batchSize`).
    public func follow(batchSize: Int = 1_000) async throws {
        try catchUp()
        var pending: [RecordedEvent] = []
        for try await event in store.subscribe(after: checkpoint) {
            pending.append(event)
            let head = try store.head()
            if pending.count >= batchSize || head <= event.position {
                try apply(pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
        if !pending.isEmpty { try apply(pending) }
    }

    /// Folds events delivered live and writes state and checkpoint together.
    func apply(_ events: [RecordedEvent]) throws {
        try state.withLock { state in
            let start = state.checkpoint
            try step(&state) { model in
                var checkpoint = start
                for event in events where event.position > checkpoint {
                    try fold.apply(event, to: &model)
                    checkpoint = event.position
                }
                return checkpoint
            }
        }
    }

    /// Writes the model's changes and the checkpoint in one write transaction.
    private func persist(_ model: inout Model, checkpoint: UInt64) throws {
        let changes = model.takeChanges()
        let database = database, meta = meta
        try environment.write { txn in
            for change in changes {
                if let value = change.value {
                    try txn.put(in: database, key: change.key, value: value)
                } else {
                    _ = try txn.delete(in: database, key: change.key)
                }
            }
            try txn.put(in: meta, key: ProjectionStorage.checkpointKey(Model.name, generation), value: ProjectionStorage.bytes(checkpoint))
        }
    }

    /// Makes this projector's generation the one readers of `Model` use.
    public func activate() throws {
        let meta = meta
        try environment.write { txn in
            try txn.put(in: meta, key: ProjectionStorage.activeKey(Model.name), value: Array(generation.utf8))
        }
    }

    /// Rebuilds `Model` under `rules` into the empty generation `generation` beside the served
    /// one: a fold from a read snapshot (appends continue meanwhile), written in batches, then
    /// caught up to the head. Call ``activate()`` on the result to switch readers to it.
    public static func rebuild(store: any EventLogStore, rules: CRMRules, generation: String, registry: EventRegistry = EventRegistry(),
                               batchSize: Int = 200_000) throws -> Projector<Model> {
        try ProjectionStorage.validate(generation)
        let (database, meta) = try clear(store: store, generation: generation)
        let head = try store.head()
        let model = try ProjectionEngine.rebuild(Model.self, store: store, rules: rules, asOf: .position(head), registry: registry)
        let entries = model.entries()
        var index = 0
        repeat {
            let slice = entries[index..<min(entries.count, index + batchSize)]
            let last = index + batchSize >= entries.count
            try ProjectionStorage.environment(store).write { txn in
                for entry in slice { try txn.put(in: database, key: entry.key, value: entry.value ?? []) }
                if last {
                    try txn.put(in: meta, key: ProjectionStorage.checkpointKey(Model.name, generation), value: ProjectionStorage.bytes(head))
                    try txn.put(in: meta, key: ProjectionStorage.rulesKey(Model.name, generation), value: Array(try rules.json()))
                }
            }
            index += batchSize
        } while index < entries.count
        let projector = try Projector(store: store, rules: rules, generation: generation, registry: registry)
        try projector.catchUp()
        return projector
    }

    /// Empties a generation's database and forgets its checkpoint and rules.
    private static func clear(store: any EventLogStore, generation: String) throws -> (Database, Database) {
        let meta = try ProjectionStorage.meta(store)
        let environment = try ProjectionStorage.environment(store)
        let database = try environment.openDatabase(named: ProjectionStorage.databaseName(Model.name, generation))
        try environment.write { txn in
            try txn.clear(database)
            _ = try txn.delete(in: meta, key: ProjectionStorage.checkpointKey(Model.name, generation))
            _ = try txn.delete(in: meta, key: ProjectionStorage.rulesKey(Model.name, generation))
        }
        return (database, meta)
    }

    /// Deletes a generation's state (not the active one's).
    public static func drop(store: any EventLogStore, generation: String) throws {
        try ProjectionStorage.validate(generation)
        guard try ProjectionStorage.activeGeneration(store, model: Model.name) != generation else {
            throw ProjectionError.invalidGeneration("\(generation) is active")
        }
        _ = try clear(store: store, generation: generation)
    }
}

/// Rebuilds read models in memory from the log.
public enum ProjectionEngine {

    /// Folds the log into a new `Model` under `rules`, up to `asOf` (default: the head when the
    /// rebuild starts). Reads run in short snapshots while appends continue; the log is
    /// append-only, so the result is the model as of that position or day.
    ///
    /// On a local (LMDB) log of 100,000 events or more and a machine with more than one core,
    /// the log is read and decoded on one thread per core (at most four), in chunks of
    /// positions, and folded strictly in log order on the calling thread; ``CRMReadModels``
    /// folds customer 360 on a thread of its own from the same decoded chunks. The result equals
    /// the one-thread fold.
    public static func rebuild<Model: ReadModel>(_: Model.Type, store: any EventLogStore, rules: CRMRules = .standard, asOf: AsOf? = nil,
                                                 registry: EventRegistry = EventRegistry()) throws -> Model {
        var model = Model(rules: rules)
        // Nothing of an in-memory rebuild is written as changes; ``ReadModel/entries()`` gives
        // the whole state when it is persisted.
        model.setTracksChanges(false)
        let through: UInt64
        let cutoff: Int64?
        switch asOf {
        case .position(let position)?:
            through = position
            cutoff = nil
        case .businessDay(let day)?:
            through = try store.head()
            cutoff = Int64(day.daysSince1970 + 1) * 86_400_000_000
        case nil:
            through = try store.head()
            cutoff = nil
        }
        guard through > 0 else {
            model.setTracksChanges(true)
            return model
        }
        if let local = store as? EventStore, ProcessInfo.processInfo.activeProcessorCount > 1,
           through >= ParallelRebuildPlan.minimumEvents {
            try rebuildInParallel(&model, store: local, through: through, cutoffMicros: cutoff, registry: registry,
                                  plan: .standard)
        } else {
            let fold = Fold<Model>(registry: registry, cutoffMicros: cutoff)
            try store.scan(.all, through: through) { view in try fold.apply(view, to: &model) }
        }
        model.setTracksChanges(true)
        return model
    }

    /// The parallel rebuild with a given plan (``ParallelRebuildPlan``); ``CRMReadModels``
    /// also folds customer 360 on a thread of its own. Tests call this with tiny chunks.
    static func rebuildInParallel<Model: ReadModel>(_ model: inout Model, store: EventStore, through: UInt64, cutoffMicros: Int64?,
                                                    registry: EventRegistry, plan: ParallelRebuildPlan) throws {
        if Model.self == CRMReadModels.self {
            let models = try CRMReadModels.rebuildInParallel(store: store, rules: model.rules, through: through,
                                                             cutoffMicros: cutoffMicros, registry: registry, plan: plan)
            model = models as! Model
            return
        }
        let decoder = ParallelDecoder(store: store, through: through, filter: Model.eventTypes, cutoffMicros: cutoffMicros,
                                      registry: registry, chunkSize: plan.chunkSize, window: plan.window)
        decoder.start(workers: plan.workers)
        try decoder.forEachBatch { batch in
            batch.forEach { model.apply($0, $1) }
            decoder.retire(batch)
        }
    }
}

/// A read model's stored state as any process sees it: the active generation's entries.
public struct PersistedState: Sendable {
    /// The store.
    public let store: any EventLogStore
    /// The model's name.
    public let model: String
    /// The generation read.
    public let generation: String
    private let database: Database

    /// The active generation of `model` (or `generation` when given).
    public init(store: any EventLogStore, model: String, generation: String? = nil) throws {
        self.store = store
        self.model = model
        guard let chosen = try generation ?? ProjectionStorage.activeGeneration(store, model: model) else {
            throw ProjectionError.corruptState(model: model, generation: "-", reason: "no generation is active")
        }
        self.generation = chosen
        database = try ProjectionStorage.environment(store).openDatabase(named: ProjectionStorage.databaseName(model, chosen), create: false)
    }

    /// The stored value for `key`.
    public func value(for key: [UInt8]) throws -> [UInt8]? {
        let database = database
        return try ProjectionStorage.environment(store).read { txn in try txn.value(in: database, key: key) }
    }

    /// The checkpoint of the stored state.
    public func checkpoint() throws -> UInt64 {
        let meta = try ProjectionStorage.meta(store)
        let key = ProjectionStorage.checkpointKey(model, generation)
        return ProjectionStorage.uint64(try ProjectionStorage.environment(store).read { txn in try txn.value(in: meta, key: key) })
    }
}
