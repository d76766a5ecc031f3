import CRMDomain
import CRMEventLog
import Foundation

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
        try rebuild(Model.self, store: store, rules: rules, asOf: asOf, registry: registry, checksCancellation: false)
    }

    /// ``rebuild(_:store:rules:asOf:registry:)`` that stops when its task is cancelled: it
    /// checks between chunks of the log (every ``cancellationInterval`` positions on one thread,
    /// every decoded chunk in parallel) and throws `CancellationError`.
    ///
    /// The fold runs on the calling task's thread (and the decoding threads), as in the
    /// blocking form.
    public static func cancellableRebuild<Model: ReadModel>(_: Model.Type, store: any EventLogStore, rules: CRMRules = .standard,
                                                            asOf: AsOf? = nil, registry: EventRegistry = EventRegistry()) async throws -> Model {
        try rebuild(Model.self, store: store, rules: rules, asOf: asOf, registry: registry, checksCancellation: true)
    }

    /// Positions a cancellable one-thread rebuild folds between two checks for cancellation.
    public static let cancellationInterval: UInt64 = 65_536

    static func rebuild<Model: ReadModel>(_: Model.Type, store: any EventLogStore, rules: CRMRules, asOf: AsOf?,
                                          registry: EventRegistry, checksCancellation: Bool) throws -> Model {
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
        let started = DispatchTime.now().uptimeNanoseconds
        defer { ProjectionMetrics.rebuilt(model: Model.name, events: through, nanoseconds: DispatchTime.now().uptimeNanoseconds &- started) }
        if let local = store as? any ConcurrentlyScannable, ProcessInfo.processInfo.activeProcessorCount > 1,
           through >= ParallelRebuildPlan.minimumEvents {
            try rebuildInParallel(&model, store: local, through: through, cutoffMicros: cutoff, registry: registry,
                                  plan: .standard, checksCancellation: checksCancellation)
        } else if checksCancellation {
            let fold = Fold<Model>(registry: registry, cutoffMicros: cutoff)
            var from: UInt64 = 1
            while from <= through {
                try Task.checkCancellation()
                let last = min(through, from + cancellationInterval - 1)
                try store.scan(.all, from: from, through: last) { view in try fold.apply(view, to: &model) }
                from = last + 1
            }
        } else {
            let fold = Fold<Model>(registry: registry, cutoffMicros: cutoff)
            try store.scan(.all, through: through) { view in try fold.apply(view, to: &model) }
        }
        model.setTracksChanges(true)
        return model
    }

    /// The parallel rebuild with a given plan (``ParallelRebuildPlan``): the model's
    /// ``ReadModel/rebuildInParallel(_:_:)``. Tests call this with tiny chunks.
    static func rebuildInParallel<Model: ReadModel>(_ model: inout Model, store: any ConcurrentlyScannable, through: UInt64, cutoffMicros: Int64?,
                                                    registry: EventRegistry, plan: ParallelRebuildPlan, checksCancellation: Bool = false) throws {
        try Model.rebuildInParallel(&model, ParallelRebuild(store: store, through: through, cutoffMicros: cutoffMicros,
                                                            registry: registry, plan: plan, checksCancellation: checksCancellation))
    }
}
