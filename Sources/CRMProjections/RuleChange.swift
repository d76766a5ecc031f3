import CRMDomain
import CRMEventLog
import Foundation

/// What a new rules version changed: every customer whose lifecycle stage, segment, churn risk
/// or lead score moved, and every scorecard KPI whose value or status moved.
public struct RuleChangeReport: Sendable, Hashable {
    /// One customer's (or lead's) changed figure.
    public struct Change: Sendable, Hashable, CustomStringConvertible {
        /// The customer's or lead's stream, e.g. `customer-…`.
        public let subject: String
        /// `stage`, `segment`, `churnRisk` or `leadScore`.
        public let figure: String
        /// Under the old rules.
        public let old: String
        /// Under the new rules.
        public let new: String

        /// `customer-…: stage growingCustomer → newCustomer`.
        public var description: String { "\(subject): \(figure) \(old) → \(new)" }
    }

    /// One KPI that changed in one period.
    public struct KPIChange: Sendable, Hashable {
        /// The period.
        public let period: Period
        /// The KPI's name.
        public let kpi: String
        /// Old value and status.
        public let old: KPIValue
        /// New value and status.
        public let new: KPIValue
    }

    /// The old rules' version.
    public let oldVersion: Int
    /// The new rules' version.
    public let newVersion: Int
    /// The day the figures were compared on.
    public let asOf: CalendarDay
    /// The log position both sides were built through.
    public let position: UInt64
    /// Changed customer and lead figures, sorted by subject and figure.
    public let changes: [Change]
    /// Changed KPIs, by period then KPI order.
    public let kpiChanges: [KPIChange]

    /// Compares two builds of the read models over the same events.
    public static func compare(old: CRMReadModels, new: CRMReadModels, asOf: CalendarDay, periods: [Period],
                               position: UInt64) -> RuleChangeReport {
        var changes: [Change] = []
        func add(_ subject: String, _ figure: String, _ a: String?, _ b: String?) {
            if a != b { changes.append(Change(subject: subject, figure: figure, old: a ?? "—", new: b ?? "—")) }
        }
        let ids = Set(old.customer360.customers.records.keys).union(new.customer360.customers.records.keys)
        for id in ids {
            let a = old.customer360(id, asOf: asOf), b = new.customer360(id, asOf: asOf)
            add(id.stream, "stage", a?.stage.map { "\($0)" }, b?.stage.map { "\($0)" })
            add(id.stream, "segment", a?.segment.rawValue, b?.segment.rawValue)
            add(id.stream, "churnRisk", a?.churnRisk.level.rawValue, b?.churnRisk.level.rawValue)
        }
        let leads = Set(old.customer360.leads.records.keys).union(new.customer360.leads.records.keys)
        for id in leads {
            let a = old.customer360.leads[id].map { CustomerAnalytics.leadScore($0, rules: old.rules.leadScoring, asOf: asOf) }
            let b = new.customer360.leads[id].map { CustomerAnalytics.leadScore($0, rules: new.rules.leadScoring, asOf: asOf) }
            add(id.stream, "leadScore", a.map(String.init), b.map(String.init))
        }
        changes.sort { ($0.subject, $0.figure) < ($1.subject, $1.figure) }

        var kpiChanges: [KPIChange] = []
        for period in periods {
            let a = old.scorecard(period), b = new.scorecard(period)
            for (x, y) in zip(a.kpis, b.kpis) where x.value != y.value || x.status != y.status {
                kpiChanges.append(KPIChange(period: period, kpi: x.name, old: x, new: y))
            }
        }
        return RuleChangeReport(oldVersion: old.rules.version, newVersion: new.rules.version, asOf: asOf, position: position,
                                changes: changes, kpiChanges: kpiChanges)
    }
}

extension Projector where Model == CRMReadModels {
    /// Loads a new rules version: rebuilds the read models under `rules` into the generation
    /// `r<version>` beside the served one (which stays readable throughout), compares both as
    /// of the same log position, and switches readers to the new generation in one write.
    ///
    /// - Returns: the projector of the new generation and the difference report.
    public func changeRules(to rules: CRMRules, asOf: CalendarDay, periods: [Period],
                            registry: EventRegistry = EventRegistry()) throws -> (Projector<CRMReadModels>, RuleChangeReport) {
        let generation = "r\(rules.version)"
        guard generation != self.generation else { throw ProjectionError.invalidGeneration("\(generation) is the served generation") }
        let next = try Projector.rebuild(store: store, state: state, rules: rules, generation: generation, registry: registry)
        try catchUp()
        let position = next.checkpoint
        let old: CRMReadModels
        let current = read { $0 }
        if checkpoint == position {
            old = current
        } else {
            old = try ProjectionEngine.rebuild(CRMReadModels.self, store: store, rules: current.rules, asOf: .position(position),
                                               registry: registry)
        }
        let new = next.read { $0 }
        let report = RuleChangeReport.compare(old: old, new: new, asOf: asOf, periods: periods, position: position)
        try next.activate()
        return (next, report)
    }
}
