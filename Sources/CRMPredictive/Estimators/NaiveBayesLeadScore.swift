import CRMDomain
import Foundation

/// Predictive lead scoring: P(won | the lead's attributes) by naive Bayes over the won/lost
/// frequency tables of ``LeadOutcomeModel`` (the approach of Odoo's predictive lead scoring).
///
/// With nᵂ won and nᴸ lost closed leads, c(f, v, W) the won leads with value v of attribute f,
/// Vf the values of f seen among closed leads and ε ``PredictiveRules/leadSmoothing``:
///
///     P(v | W) = (c(f, v, W) + ε) / Σ_{v' ∈ Vf} (c(f, v', W) + ε)     (and so for L)
///     P(W | lead) = nᵂ Πf P(vf | W) / (nᵂ Πf P(vf | W) + nᴸ Πf P(vf | L))
///
/// over the lead's attributes f whose value vf was seen among closed leads (others carry no
/// information and are skipped, as in Odoo).
public struct NaiveBayesLeadScorer: Sendable {
    /// Won and lost leads in all.
    public let totals: OutcomeCounts
    private let counts: [AttributeValueKey: OutcomeCounts]
    /// Per attribute name: Σ over its values of (won + ε) and of (lost + ε).
    private let denominators: [String: (won: Double, lost: Double)]
    private let rules: PredictiveRules

    /// The scorer of the model's current frequency tables.
    /// - Throws: ``PredictiveError/noClosedLeads`` when no lead was won or lost yet.
    public init(_ model: LeadOutcomeModel, rules: PredictiveRules = .standard) throws(PredictiveError) {
        try rules.validate()
        totals = model.totals
        guard totals.won + totals.lost > 0 else { throw .noClosedLeads }
        self.rules = rules
        var counts: [AttributeValueKey: OutcomeCounts] = [:]
        var denominators: [String: (won: Double, lost: Double)] = [:]
        for (key, value) in model.frequencies.records where key != .all && rules.uses(key.name) {
            counts[key] = value
            denominators[key.name, default: (0, 0)].won += Double(value.won) + rules.leadSmoothing
            denominators[key.name, default: (0, 0)].lost += Double(value.lost) + rules.leadSmoothing
        }
        self.counts = counts
        self.denominators = denominators
    }

    /// P(won) of a lead with `attributes` (name → value).
    public func probabilityWon(_ attributes: [(name: String, value: String)]) -> Double {
        guard totals.won > 0 else { return 0 }
        guard totals.lost > 0 else { return 1 }
        var logWon = log(Double(totals.won)), logLost = log(Double(totals.lost))
        for (name, value) in attributes {
            guard let count = counts[AttributeValueKey(name: name, value: value)], let denominator = denominators[name] else { continue }
            logWon += log(Double(count.won) + rules.leadSmoothing) - log(denominator.won)
            logLost += log(Double(count.lost) + rules.leadSmoothing) - log(denominator.lost)
        }
        // P = 1 / (1 + e^(logLost − logWon)); infinities (ε = 0 and a zero count) resolve to 0 or 1.
        if logWon == -.infinity { return logLost == -.infinity ? 0.5 : 0 }
        if logLost == -.infinity { return 1 }
        return 1 / (1 + exp(logLost - logWon))
    }

    /// P(won) of a lead's facts.
    public func probabilityWon(_ facts: LeadFacts) -> Double { probabilityWon(facts.attributes) }
}

extension PredictiveRules {
    func uses(_ attribute: String) -> Bool { leadAttributes.map { $0.contains(attribute) } ?? true }
}
