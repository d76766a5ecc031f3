import CRMDomain
import CRMEventLog
import CRMProjections
import Foundation

/// The read models of predictive analytics, folded together in one pass by the projection
/// engine like every projection: the purchase histories the RFM summary is computed from
/// (``PurchaseHistoryModel``) and the won/lost frequency tables of lead scoring
/// (``LeadOutcomeModel``). Persisted by a `Projector` under the name `predictive`, rebuilt by
/// `ProjectionEngine.rebuild`; the fits are pure functions of this state.
public struct PredictiveReadModels: ReadModel {
    /// `predictive`.
    public static let name = "predictive"
    /// Order, merge, lead and opportunity events.
    public static let eventTypes = EventTypeFilter(PurchaseHistoryModel.eventTypes + LeadOutcomeModel.eventTypes)

    /// The rules (the currency whose orders count).
    public let rules: CRMRules
    /// Purchase histories.
    public private(set) var purchases: PurchaseHistoryModel
    /// Lead outcomes and frequency tables.
    public private(set) var leads: LeadOutcomeModel

    /// Empty models.
    public init(rules: CRMRules) {
        self.rules = rules
        purchases = PurchaseHistoryModel(currency: rules.currency)
        leads = LeadOutcomeModel()
    }

    /// Restores stored models (each table's entries start with its own tag byte).
    public init(rules: CRMRules, entries: [ReadModelEntry]) throws {
        self.rules = rules
        purchases = try PurchaseHistoryModel(currency: rules.currency, entries: entries)
        leads = try LeadOutcomeModel(entries: entries)
    }

    /// Folds one event into both models.
    public mutating func apply(_ event: DomainEvent, _ info: EventInfo) {
        purchases.apply(event, info)
        leads.apply(event, info)
    }

    /// Turns change tracking of both models on or off.
    public mutating func setTracksChanges(_ on: Bool) {
        purchases.setTracksChanges(on)
        leads.setTracksChanges(on)
    }

    /// The entries changed since the last call.
    public mutating func takeChanges() -> [ReadModelEntry] {
        var result: [ReadModelEntry] = []
        purchases.takeChanges(into: &result)
        leads.takeChanges(into: &result)
        return result
    }

    /// Every entry.
    public func entries() -> [ReadModelEntry] {
        var result: [ReadModelEntry] = []
        purchases.entries(into: &result)
        leads.entries(into: &result)
        return result
    }

    /// The RFM summary as of `calibrationEnd` (default: the latest purchase day) in `unit`.
    /// - Throws: ``PredictiveError/noPurchases(calibrationEnd:)`` when nobody bought by then;
    ///   ``PredictiveError/noOrders(currency:)`` without a calibration end when the log holds no
    ///   order in the rules' currency.
    public func summary(calibrationEnd: CalendarDay? = nil, unit: TimeUnit) throws(PredictiveError) -> RFMSummary {
        guard let end = calibrationEnd ?? purchases.latestPurchaseDay else { throw .noOrders(currency: rules.currency) }
        return try purchases.summary(calibrationEnd: end, unit: unit)
    }

    /// Fits BG/NBD and Gamma-Gamma on the summary as of `calibrationEnd` in the rules' unit.
    public func fit(calibrationEnd: CalendarDay? = nil, rules: PredictiveRules = .standard) throws(PredictiveError) -> PredictiveFit {
        try PredictiveFit(summary: summary(calibrationEnd: calibrationEnd, unit: rules.unit), rules: rules)
    }

    /// ``fit(calibrationEnd:rules:)`` on the models of `store`'s log: when no order is in the
    /// rules' currency, the error names the currencies the orders are in
    /// (``PredictiveError/noOrdersInCurrency(_:found:)``).
    public func fit(in store: any EventLogStore, calibrationEnd: CalendarDay? = nil, rules: PredictiveRules = .standard) throws -> PredictiveFit {
        do {
            return try fit(calibrationEnd: calibrationEnd, rules: rules)
        } catch {
            switch error {
            case .noOrders, .noPurchases:
                let found = try OrderCurrencies.of(store)
                if !found.isEmpty, !found.contains(self.rules.currency) {
                    throw PredictiveError.noOrdersInCurrency(self.rules.currency, found: found)
                }
            default: break
            }
            throw error
        }
    }

    /// P(won) of `lead` by naive Bayes over the closed leads' frequency tables.
    /// - Throws: ``PredictiveError/unknownLead(_:)``, ``PredictiveError/noClosedLeads``.
    public func leadProbability(_ lead: LeadID, rules: PredictiveRules = .standard) throws(PredictiveError) -> Double {
        guard let facts = leads.lead(lead) else { throw .unknownLead(lead) }
        return try NaiveBayesLeadScorer(leads, rules: rules).probabilityWon(facts)
    }
}
