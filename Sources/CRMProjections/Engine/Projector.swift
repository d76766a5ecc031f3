import CRMDomain
import CRMEventLog
import CRMLMDB
import Foundation
import Logging
import Synchronization

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
    /// Where the projection's state and checkpoint are kept.
    public let state: StateStore
    private var environment: Environment { state.environment }
    /// The generation this projector writes.
    public let generation: String
    private let database: Database
    private let meta: Database
    private let fold: Fold<Model>
    private let current: Mutex<(model: Model, checkpoint: UInt64)>
    private let logger: Logger
    /// Events folded and lag behind the head (swift-metrics).
    private let metrics = ProjectionMetrics(model: Model.name)

    /// Opens (or creates) the projection of `Model` of the log `store` in the state store
    /// `state`, restoring its stored state and checkpoint.
    ///
    /// - Parameters:
    ///   - store: the log to fold; it must be writable.
    ///   - state: where state and checkpoint are kept; for an LMDB log, usually
    ///     `StateStore(environment: store.environment)`. It must be writable.
    ///   - rules: the rules the model computes with; they must equal the rules the stored
    ///     generation was built with.
    ///   - generation: the generation to write; `nil` takes the active one, or `"r<version>"`
    ///     of `rules` when none is active yet.
    ///   - registry: decodes the events; the catalog by default.
    ///   - logger: where progress is logged; nowhere by default.
    /// - Throws: ``ProjectionError/rulesMismatch(model:generation:stored:given:)`` when the
    ///   stored state was built with other rules.
    public convenience init(store: any EventLogStore, state: StateStore, rules: CRMRules = .standard, generation: String? = nil,
                            registry: EventRegistry = EventRegistry(),
                            logger: Logger = Logger(label: "crmkit.projections", factory: { _ in SwiftLogNoOpLogHandler() })) throws {
        try self.init(store: store, state: state, rules: rules, generation: generation, registry: registry, logger: logger, built: nil)
    }

    /// Opens the generation; with `built`, the model just written to it by ``rebuild(store:state:rules:generation:registry:batchSize:)``
    /// (with its rules and checkpoint) instead of reading it back.
    private init(store: any EventLogStore, state: StateStore, rules: CRMRules, generation: String?, registry: EventRegistry,
                 logger: Logger, built: (model: Model, checkpoint: UInt64)?) throws {
        guard !store.isReadOnly, !state.isReadOnly else { throw ProjectionError.readOnlyStore }
        self.store = store
        self.state = state
        self.logger = logger
        let environment = state.environment
        let meta = try ProjectionStorage.meta(state)
        let chosen = try generation ?? ProjectionStorage.activeGeneration(state, model: Model.name) ?? "r\(rules.version)"
        try ProjectionStorage.validate(chosen)
        self.generation = chosen
        self.meta = meta
        let database = try environment.openDatabase(named: ProjectionStorage.databaseName(Model.name, chosen))
        self.database = database
        fold = Fold(registry: registry, cutoffMicros: nil)

        let (model, checkpoint, storedRules) = try built.map { ($0.model, $0.checkpoint, Data?.none) }
            ?? Self.load(environment: environment, database: database, meta: meta, generation: chosen, rules: rules)
        if let storedRules {
            let stored = try CRMRules(json: storedRules)
            guard stored == rules else {
                throw ProjectionError.rulesMismatch(model: Model.name, generation: chosen, stored: stored.version, given: rules.version)
            }
        }
        current = Mutex((model, checkpoint))
        if storedRules == nil && built == nil {
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
    public var checkpoint: UInt64 { current.withLock { $0.checkpoint } }

    /// Reads the in-memory model.
    public func read<R>(_ body: (Model) throws -> R) rethrows -> R {
        try current.withLock { try body($0.model) }
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
        try catchUp(batchSize: batchSize, checksCancellation: false, progress: progress)
    }

    /// ``catchUp(batchSize:progress:)`` that stops when its task is cancelled: it checks between
    /// batches and throws `CancellationError`, keeping every batch stored before (the checkpoint
    /// says how far it got; a later catch-up continues there).
    ///
    /// The batches are folded on the calling task's thread, as by the blocking form.
    @discardableResult
    public func cancellableCatchUp(batchSize: Int = 50_000, progress: (UInt64) -> Void = { _ in }) async throws -> Int {
        try catchUp(batchSize: batchSize, checksCancellation: true, progress: progress)
    }

    private func catchUp(batchSize: Int, checksCancellation: Bool, progress: (UInt64) -> Void) throws -> Int {
        let head = try store.head()
        var processed = 0
        while true {
            if checksCancellation { try Task.checkCancellation() }
            let done = try current.withLock { state -> Bool in
                guard state.checkpoint < head else { return true }
                let from = state.checkpoint + 1
                let through = min(head, state.checkpoint + UInt64(max(1, batchSize)))
                try step(&state) { model in
                    try store.scan(.all, from: from, through: through) { view in try fold.apply(view, to: &model) }
                    return through
                }
                processed += Int(through - from + 1)
                metrics.stored(events: Int(through - from + 1), checkpoint: through, head: head)
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
                metrics.stored(events: pending.count, checkpoint: event.position, head: head)
                pending.removeAll(keepingCapacity: true)
            }
        }
        if !pending.isEmpty { try apply(pending) }
    }

    /// Folds events delivered live and writes state and checkpoint together.
    func apply(_ events: [RecordedEvent]) throws {
        try current.withLock { state in
            let start = state.checkpoint
            try step(&state) { model in
                var checkpoint = start
                // Positions are gapless: a live event after the checkpoint must be the next one,
                // and one at or below it was folded already (exactly once).
                for event in events where event.position > checkpoint {
                    guard event.position == checkpoint + 1 else {
                        throw ProjectionError.gap(model: Model.name, checkpoint: checkpoint, next: event.position)
                    }
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

    /// Makes this projector's generation the one readers of `Model` use: one write of the
    /// active generation's name, so a reader sees either the old generation or the new one.
    public func activate() throws {
        let meta = meta
        CrashPoints.reach("generation.switch")
        try environment.write { txn in
            try txn.put(in: meta, key: ProjectionStorage.activeKey(Model.name), value: Array(generation.utf8))
        }
        CrashPoints.reach("generation.switched")
    }

    /// The generation a rebuild of `Model` under rules of `version` writes: `r<version>`, or
    /// `r<version>-b` when `r<version>` is the served one, so a rebuild never touches the
    /// generation readers use; the served generation stays until the rebuild after next.
    public static func rebuildGeneration(version: Int, state: StateStore) throws -> String {
        let base = "r\(version)"
        return try ProjectionStorage.activeGeneration(state, model: Model.name) == base ? base + "-b" : base
    }

    /// Rebuilds `Model` under `rules` into the empty generation `generation` beside the served
    /// one: a fold from a read snapshot (appends continue meanwhile), written in batches, then
    /// caught up to the head. Call ``activate()`` on the result to switch readers to it.
    public static func rebuild(store: any EventLogStore, state: StateStore, rules: CRMRules, generation: String,
                               registry: EventRegistry = EventRegistry(), batchSize: Int = 200_000) throws -> Projector<Model> {
        try ProjectionStorage.validate(generation)
        guard try ProjectionStorage.activeGeneration(state, model: Model.name) != generation else {
            throw ProjectionError.invalidGeneration("\(generation) is the served generation; rebuild into another one and switch to it")
        }
        let (database, meta) = try clear(state: state, generation: generation)
        CrashPoints.reach("rebuild.cleared")
        let head = try store.head()
        var model = try ProjectionEngine.rebuild(Model.self, store: store, rules: rules, asOf: .position(head), registry: registry)
        let entries = model.entries()
        // Every entry is written below: nothing is left for the projector to persist.
        _ = model.takeChanges()
        var index = 0
        repeat {
            let slice = entries[index..<min(entries.count, index + batchSize)]
            let last = index + batchSize >= entries.count
            try state.environment.write { txn in
                for entry in slice { try txn.put(in: database, key: entry.key, value: entry.value ?? []) }
                if last {
                    try txn.put(in: meta, key: ProjectionStorage.checkpointKey(Model.name, generation), value: ProjectionStorage.bytes(head))
                    try txn.put(in: meta, key: ProjectionStorage.rulesKey(Model.name, generation), value: Array(try rules.json()))
                }
            }
            CrashPoints.reach("rebuild.batch")
            index += batchSize
        } while index < entries.count
        // The model just written is the generation's state: it is not read back.
        let projector = try Projector(store: store, state: state, rules: rules, generation: generation, registry: registry,
                                      logger: Logger(label: "crmkit.projections", factory: { _ in SwiftLogNoOpLogHandler() }),
                                      built: (model, head))
        try projector.catchUp()
        CrashPoints.reach("rebuild.caughtUp")
        return projector
    }

    /// Empties a generation's database and forgets its checkpoint and rules.
    private static func clear(state: StateStore, generation: String) throws -> (Database, Database) {
        let meta = try ProjectionStorage.meta(state)
        let environment = state.environment
        let database = try environment.openDatabase(named: ProjectionStorage.databaseName(Model.name, generation))
        try environment.write { txn in
            try txn.clear(database)
            _ = try txn.delete(in: meta, key: ProjectionStorage.checkpointKey(Model.name, generation))
            _ = try txn.delete(in: meta, key: ProjectionStorage.rulesKey(Model.name, generation))
        }
        return (database, meta)
    }

    /// Deletes a generation's state (not the active one's) from `state`.
    public static func drop(state: StateStore, generation: String) throws {
        try ProjectionStorage.validate(generation)
        guard try ProjectionStorage.activeGeneration(state, model: Model.name) != generation else {
            throw ProjectionError.invalidGeneration("\(generation) is active")
        }
        _ = try clear(state: state, generation: generation)
    }
}
