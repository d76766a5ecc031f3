import CRMDomain
import CRMProjections
import CRMEventLog
import Foundation

/// The read models a report is built from, with where they stand: the log position they were
/// folded through and the business day they describe.
public struct ReportSource: Sendable {
    /// The four read models.
    public let models: CRMReadModels
    /// The last log position folded in.
    public let position: UInt64
    /// The business day the reports describe: the `--as-of` day, or the latest day the log
    /// has seen.
    public let day: CalendarDay
    /// The persisted generation the models came from (`nil` for an in-memory rebuild).
    public let generation: String?
    /// Opens personal data for display; `nil` shows sealed values as `‹sealed›`.
    public let protector: (any PersonalDataProtector)?

    /// Builds the read models of `store`, whose persisted read models are kept in `state`.
    ///
    /// Without `asOf` and `rules` the served (persisted, active) generation is loaded and the
    /// events after its checkpoint are folded in memory; otherwise — or when no generation was
    /// ever built — the models are rebuilt from the log under `rules` (default: the active
    /// generation's rules, else ``defaultRules(for:)``) up to `asOf`.
    ///
    /// - Throws: ``ReportError/positionBeyondHead(position:head:)``, ``ReportError/emptyStore``,
    ///   `ProjectionError/noLocalState` when `state` is `nil`, and the store's and projections'
    ///   errors.
    public static func load(store: any EventLogStore, state: StateStore?, rules: CRMRules? = nil, asOf: AsOf? = nil,
                            protector: (any PersonalDataProtector)? = nil) throws -> ReportSource {
        let head = try store.head()
        guard head > 0 else { throw ReportError.emptyStore }
        let stored = try StoredGeneration.active(CRMReadModels.self, in: state)
        if asOf == nil, rules == nil || rules == stored?.rules, let stored, let state {
            let (models, position) = try stored.load(CRMReadModels.self, from: store, state: state)
            return ReportSource(models: models, position: position, day: models.lifecycle.latestDay ?? CalendarDay(containing: Date()),
                                generation: stored.generation, protector: protector)
        }
        let chosen = try rules ?? stored?.rules ?? defaultRules(for: store)
        switch asOf {
        case .position(let position)?:
            guard position <= head else { throw ReportError.positionBeyondHead(position: position, head: head) }
            let models = try ProjectionEngine.rebuild(CRMReadModels.self, store: store, rules: chosen, asOf: .position(position))
            return ReportSource(models: models, position: position,
                                day: models.lifecycle.latestDay ?? CalendarDay(containing: Date()), generation: nil, protector: protector)
        case .businessDay(let day)?:
            let models = try ProjectionEngine.rebuild(CRMReadModels.self, store: store, rules: chosen, asOf: .businessDay(day))
            return ReportSource(models: models, position: try lastPosition(in: store, through: head, onOrBefore: day), day: day,
                                generation: nil, protector: protector)
        case nil:
            let models = try ProjectionEngine.rebuild(CRMReadModels.self, store: store, rules: chosen, asOf: .position(head))
            return ReportSource(models: models, position: head,
                                day: models.lifecycle.latestDay ?? CalendarDay(containing: Date()), generation: nil, protector: protector)
        }
    }

    /// The position of the last event among `1...head` whose business time falls on or before
    /// `day` (the last event a rebuild as of that day folds), 0 when there is none: the log is
    /// scanned backwards from the head, over the events recorded after it.
    static func lastPosition(in store: any EventLogStore, through head: UInt64, onOrBefore day: CalendarDay) throws -> UInt64 {
        let cutoff = Int64(day.daysSince1970 + 1) * 86_400_000_000
        var found: UInt64 = 0
        struct Found: Error {}
        do {
            try store.scan(.all, from: nil, direction: .backward, limit: nil, through: head) { view in
                if view.occurredAtMicros < cutoff {
                    found = view.position
                    throw Found()
                }
            }
        } catch is Found {}
        return found
    }

    /// The rules reports use on a store whose projections were never built: the standard rules
    /// with lifecycle thresholds sized for the simulated history's order values (growing from
    /// 5,000.00 in 365 days, star from 8 orders and 40,000.00).
    public static let defaultRules: CRMRules = {
        var rules = CRMRules.standard
        rules.lifecycle.growingMinRevenue = 500_000
        rules.lifecycle.starMinOrders = 8
        rules.lifecycle.starMinRevenue = 4_000_000
        return rules
    }()

    /// ``defaultRules`` in the reporting currency of `store`: the currency of its first order,
    /// EUR while it has none. A store whose orders are in USD (a shop's history brought in with
    /// `crm import`) reports in USD without a rules file; a rules change with another
    /// `currency` changes it.
    public static func defaultRules(for store: any EventLogStore) throws -> CRMRules {
        var rules = defaultRules
        if let currency = try OrderCurrencies.first(in: store) { rules.currency = currency }
        return rules
    }

    /// The rules the served read models kept in `state` were built with, else
    /// ``defaultRules(for:)`` of `store`.
    ///
    /// - Throws: `ProjectionError/noLocalState` when `state` is `nil`.
    public static func servedRules(in state: StateStore?, for store: any EventLogStore) throws -> CRMRules {
        try StoredGeneration.active(CRMReadModels.self, in: state)?.rules ?? defaultRules(for: store)
    }

    /// The last complete quarter before `day` (the quarter the demo reports).
    public static func lastCompleteQuarter(before day: CalendarDay) -> Period {
        let (year, month, _) = day.parts
        let quarter = (month - 1) / 3 + 1
        return quarter == 1 ? .quarter(year: year - 1, quarter: 4) : .quarter(year: year, quarter: quarter - 1)
    }

    /// A personal value for display: opened when a protector is given, else as stored.
    func display(_ text: PersonalText, _ subject: DataSubject) -> String {
        guard let protector else { return text.description }
        return ((try? text.opened(with: protector, for: subject)) ?? text).description
    }
}
