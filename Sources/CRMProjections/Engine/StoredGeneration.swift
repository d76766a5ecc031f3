import CRMDomain
import CRMEventLog
import Foundation
import CRMLMDB

/// The generation of a read model that readers use, as any process (also a read-only one) sees
/// it: its name, the rules it was built with and its checkpoint.
public struct StoredGeneration: Sendable, Hashable {
    /// The generation's name, e.g. `r1`.
    public let generation: String
    /// The rules the generation was built with.
    public let rules: CRMRules
    /// The position of the last event folded into the stored state.
    public let checkpoint: UInt64

    /// The active generation of `Model` in `state`, or `nil` when no generation was activated.
    ///
    /// - Throws: ``ProjectionError/noLocalState`` when `state` is `nil` (a log without a state
    ///   store has no stored generation to consult),
    ///   ``ProjectionError/corruptState(model:generation:reason:)`` when the stored rules
    ///   cannot be read.
    public static func active<Model: ReadModel>(_: Model.Type, in state: StateStore?) throws -> StoredGeneration? {
        guard let state else { throw ProjectionError.noLocalState }
        guard let generation = try activeName(Model.name, in: state) else { return nil }
        let meta = try ProjectionStorage.meta(state)
        let (rules, checkpoint) = try state.environment.read { txn in
            (try txn.value(in: meta, key: ProjectionStorage.rulesKey(Model.name, generation)),
             ProjectionStorage.uint64(try txn.value(in: meta, key: ProjectionStorage.checkpointKey(Model.name, generation))))
        }
        guard let rules else {
            throw ProjectionError.corruptState(model: Model.name, generation: generation, reason: "its rules are missing")
        }
        do {
            return StoredGeneration(generation: generation, rules: try CRMRules(json: Data(rules)), checkpoint: checkpoint)
        } catch {
            throw ProjectionError.corruptState(model: Model.name, generation: generation, reason: "its rules are unreadable: \(error)")
        }
    }

    /// The active generation's name; `nil` also when a read-only store has no projections
    /// database yet (it cannot create one).
    private static func activeName(_ model: String, in state: StateStore) throws -> String? {
        if state.isReadOnly {
            do {
                _ = try ProjectionStorage.meta(state)
            } catch let error as LMDBError where error.kind == .notFound {
                return nil
            }
        }
        return try ProjectionStorage.activeGeneration(state, model: model)
    }

    /// Loads the stored state of this generation from `state` and folds, in memory, the events
    /// of `store` appended after its checkpoint up to the head: the served read model, current,
    /// without writing (so it works on a read-only store while another process appends).
    ///
    /// - Returns: the model and the position it was folded through.
    public func load<Model: ReadModel>(_: Model.Type, from store: any EventLogStore, state: StateStore,
                                       registry: EventRegistry = EventRegistry()) throws -> (model: Model, position: UInt64) {
        let database: Database
        do {
            database = try state.environment.openDatabase(named: ProjectionStorage.databaseName(Model.name, generation), create: false)
        } catch {
            throw ProjectionError.corruptState(model: Model.name, generation: generation, reason: "its database cannot be opened: \(error)")
        }
        let entries = try state.environment.read { txn in
            try txn.entries(in: database).map { ReadModelEntry(key: $0.key, value: $0.value) }
        }
        var model: Model
        do {
            model = try Model(rules: rules, entries: entries)
        } catch {
            throw ProjectionError.corruptState(model: Model.name, generation: generation, reason: "\(error)")
        }
        model.setTracksChanges(false)
        let head = try store.head()
        if head > checkpoint {
            let fold = Fold<Model>(registry: registry, cutoffMicros: nil)
            try store.scan(.all, from: checkpoint + 1, through: head) { view in try fold.apply(view, to: &model) }
        }
        model.setTracksChanges(true)
        return (model, max(head, checkpoint))
    }
}
