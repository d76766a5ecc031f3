import CRMDomain
import CRMProjections
import CRMEventLog
import Foundation

/// Building and rebuilding the persisted read models of a store (`crm demo`, `crm rebuild`).
public enum ReadModelMaintenance {
    /// The projector of the served read models: the active generation under its own rules, or,
    /// when none was built yet, generation `r<version>` of `rules` built from the whole log and
    /// activated. Not caught up beyond what a first build folded.
    ///
    /// - Parameters:
    ///   - store: the log whose read models are served.
    ///   - state: where the read models are kept.
    ///   - rules: the rules of a first build (a served generation keeps its own); by default
    ///     ``ReportSource/defaultRules(for:)`` of `store`.
    /// - Returns: the projector and whether it was built now.
    public static func servedProjector(store: any EventLogStore, state: StateStore, rules: CRMRules? = nil)
        throws -> (projector: Projector<CRMReadModels>, built: Bool) {
        if let active = try StoredGeneration.active(CRMReadModels.self, in: state) {
            return (try Projector<CRMReadModels>(store: store, state: state, rules: active.rules), false)
        }
        let rules = try rules ?? ReportSource.defaultRules(for: store)
        let projector = try Projector<CRMReadModels>.rebuild(store: store, state: state, rules: rules,
                                                             generation: try Projector<CRMReadModels>.rebuildGeneration(version: rules.version, state: state))
        try projector.activate()
        return (projector, true)
    }

    /// Brings the served read models up to the head: catches the active generation up, or, when
    /// none was built yet, builds generation `r<version>` of `rules` and activates it.
    ///
    /// - Parameters:
    ///   - store: the log whose read models are served.
    ///   - state: where the read models are kept.
    ///   - rules: the rules of a first build (a served generation keeps its own); by default
    ///     ``ReportSource/defaultRules(for:)`` of `store`.
    ///   - progress: called with the checkpoint after each stored batch of a catch-up.
    /// - Returns: the served generation, its rules version, and the events folded now.
    @discardableResult
    public static func catchUp(store: any EventLogStore, state: StateStore, rules: CRMRules? = nil,
                               progress: (UInt64) -> Void = { _ in }) throws -> (generation: String, rulesVersion: Int, folded: Int) {
        let (projector, built) = try servedProjector(store: store, state: state, rules: rules)
        let folded = try projector.catchUp(progress: progress)
        return (projector.generation, projector.read { $0.rules.version }, built ? Int(projector.checkpoint) : folded)
    }

    /// Why a rebuild cannot run.
    public enum RebuildError: Error, Sendable, Hashable, CustomStringConvertible {
        /// New rules carry the version of the served rules but differ from them.
        case sameVersionOtherRules(version: Int)

        /// One line.
        public var description: String {
            switch self {
            case .sameVersionOtherRules(let version):
                return "the rules differ from the served rules but carry the same version \(version); give them a new version"
            }
        }
    }

    /// Rebuilds the persisted read models from the whole log.
    ///
    /// - With `rules` of a new version: builds generation `r<version>` beside the served one,
    ///   compares both (when `compare`) for every customer and lead and for the scorecard of the
    ///   four quarters before the latest day, switches readers to it and drops the old one.
    /// - Otherwise: rebuilds under the served rules into a new generation beside the served one
    ///   (`r<version>` and `r<version>-b` take turns) and switches readers to it in one
    ///   transaction; readers keep the served generation meanwhile, and a killed rebuild leaves
    ///   it served.
    ///
    /// The read models of the log `store` are kept in `state`.
    ///
    /// `registry` decodes the log; with `EventRegistry.skippingUndecodable` set, events that
    /// cannot be decoded are left out of the read models and recorded there instead of failing
    /// the rebuild (the way out for a store that already holds one).
    ///
    /// - Throws: ``RebuildError/sameVersionOtherRules(version:)`` and the projections' errors.
    public static func rebuild(store: any EventLogStore, state: StateStore, rules: CRMRules? = nil, compare: Bool = false,
                               registry: EventRegistry = EventRegistry()) throws -> RebuildReport {
        let started = Date()
        let active = try StoredGeneration.active(CRMReadModels.self, in: state)
        let chosen = try rules ?? active?.rules ?? ReportSource.defaultRules(for: store)
        guard let active, chosen.version != active.rules.version else {
            if let active, chosen != active.rules { throw RebuildError.sameVersionOtherRules(version: chosen.version) }
            // A new generation beside the served one; readers keep the served one until the switch.
            let generation = try Projector<CRMReadModels>.rebuildGeneration(version: chosen.version, state: state)
            let projector = try Projector<CRMReadModels>.rebuild(store: store, state: state, rules: chosen, generation: generation,
                                                                 registry: registry)
            try projector.activate()
            return RebuildReport(generation: generation, previousGeneration: active?.generation, oldRulesVersion: active?.rules.version,
                                 rulesVersion: chosen.version, position: projector.checkpoint,
                                 seconds: Date().timeIntervalSince(started), difference: nil)
        }
        let served = try Projector<CRMReadModels>(store: store, state: state, rules: active.rules, registry: registry)
        try served.catchUp()
        let day = served.read { $0.lifecycle.latestDay } ?? CalendarDay(containing: Date())
        var periods = [ReportSource.lastCompleteQuarter(before: day)]
        while periods.count < 4 { periods.insert(periods[0].previous, at: 0) }
        let (next, difference) = try served.changeRules(to: chosen, asOf: day, periods: periods)
        try Projector<CRMReadModels>.drop(state: state, generation: active.generation)
        return RebuildReport(generation: next.generation, previousGeneration: active.generation, oldRulesVersion: active.rules.version,
                             rulesVersion: chosen.version, position: next.checkpoint, seconds: Date().timeIntervalSince(started),
                             difference: compare ? difference : nil)
    }

    /// Previews a rule change without switching: builds the read models under `rules` in memory
    /// and compares them with the served ones (every customer and lead, the scorecard of the
    /// four quarters before the latest day). Nothing in `state` changes.
    ///
    /// - Throws: ``RebuildError/sameVersionOtherRules(version:)`` when `rules` differ from the
    ///   served ones under the same version, and the projections' errors.
    public static func preview(store: any EventLogStore, state: StateStore, rules: CRMRules) throws -> RebuildReport {
        let started = Date()
        let active = try StoredGeneration.active(CRMReadModels.self, in: state)
        if let active, active.rules.version == rules.version, active.rules != rules {
            throw RebuildError.sameVersionOtherRules(version: rules.version)
        }
        let served = try ReportSource.load(store: store, state: state)
        let new = try ProjectionEngine.rebuild(CRMReadModels.self, store: store, rules: rules, asOf: .position(served.position))
        var periods = [ReportSource.lastCompleteQuarter(before: served.day)]
        while periods.count < 4 { periods.insert(periods[0].previous, at: 0) }
        let difference = RuleChangeReport.compare(old: served.models, new: new, asOf: served.day, periods: periods, position: served.position)
        return RebuildReport(generation: "r\(rules.version)", previousGeneration: active?.generation, oldRulesVersion: active?.rules.version,
                             rulesVersion: rules.version, position: served.position, seconds: Date().timeIntervalSince(started),
                             difference: difference, switched: false)
    }
}
