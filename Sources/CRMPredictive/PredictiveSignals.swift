import CRMDomain
import CRMProjections
import Foundation

/// Churn risk with P(alive) as an input beside the rule-based signals of `CustomerAnalytics`.
public struct PredictedChurnRisk: Sendable, Hashable {
    /// The rule-based risk (order gap, late payments, interaction drop, complaints).
    public let ruleBased: ChurnRisk
    /// P(alive) from BG/NBD; `nil` for a customer without a purchase by the calibration end.
    public let probabilityAlive: Double?
    /// Rule-based points plus the P(alive) points.
    public let score: Int
    /// The level of ``score`` under the churn rules' thresholds.
    public let level: ChurnRisk.Level
    /// The rule-based reasons, and the P(alive) signal when it fired (e.g. `P(alive) 0.18 < 0.2`).
    public let reasons: [String]
}

/// One customer as the rule-based read models see her, with the predictive signals beside:
/// churn risk with P(alive), a "probably lost" flag ahead of the lifecycle's no-order rule, and
/// the CLV segment with predicted CLV.
public struct CustomerOutlook: Sendable, Hashable {
    /// The customer.
    public let customer: CustomerID
    /// The lifecycle stage of the rule-based model.
    public let stage: LifecycleStage?
    /// Whether an ordering customer (new, growing, star) is probably lost: P(alive) below
    /// ``PredictiveRules/probablyLostBelowPAlive`` while the lifecycle rules still count her as active.
    public let probablyLost: Bool
    /// Churn risk with P(alive).
    public let churnRisk: PredictedChurnRisk
    /// Historic CLV (minor units, `CustomerAnalytics.clv`).
    public let historicCLV: Int64
    /// Predicted CLV (minor units), `nil` without a forecast or a spend model.
    public let predictedCLV: Int64?
    /// The rule-based segment.
    public let ruleBasedSegment: ValueSegment
    /// The segment with the predictions: *at risk* when the rule-based segment is, or P(alive)
    /// is below ``PredictiveRules/churnMediumBelowPAlive``; *potential* when the historic CLV is
    /// below the loyal cut-off while the predicted CLV reaches
    /// ``PredictiveRules/potentialMinPredictedCLV``; else the rule-based segment.
    public let segment: ValueSegment
    /// The forecast, `nil` for a customer without a purchase by the calibration end.
    public let forecast: CustomerForecast?

    /// Combines a customer-360 view with the customer's forecast.
    public init(view: Customer360View, forecast: CustomerForecast?, crmRules: CRMRules, rules: PredictiveRules = .standard) {
        customer = view.id
        stage = view.stage
        self.forecast = forecast
        let alive = forecast?.probabilityAlive
        churnRisk = PredictiveSignals.churnRisk(view.churnRisk, probabilityAlive: alive, churnRules: crmRules.churn, rules: rules)
        probablyLost = PredictiveSignals.probablyLost(stage: view.stage, probabilityAlive: alive, rules: rules)
        historicCLV = view.clv
        predictedCLV = forecast?.predictedCLVMinorUnits
        ruleBasedSegment = view.segment
        segment = PredictiveSignals.segment(ruleBased: view.segment, historicCLV: view.clv, predictedCLV: predictedCLV,
                                            probabilityAlive: alive, valueRules: crmRules.value, rules: rules)
    }
}

/// A lead's naive-Bayes P(won) next to its rule-based score.
public struct LeadScores: Sendable, Hashable {
    /// The lead.
    public let lead: LeadID
    /// P(won | attributes) by naive Bayes.
    public let probabilityWon: Double
    /// The rule-based score (`CustomerAnalytics.leadScore`), `nil` when the customer-360 model
    /// does not know the lead.
    public let ruleBasedScore: Int?
}

/// How the predictive figures feed the rule-based analytics.
public enum PredictiveSignals {
    /// Rule-based churn risk plus ``PredictiveRules/highChurnPoints`` when P(alive) is below
    /// ``PredictiveRules/churnHighBelowPAlive``, or ``PredictiveRules/mediumChurnPoints`` when
    /// below ``PredictiveRules/churnMediumBelowPAlive``; the level from the churn rules' thresholds.
    public static func churnRisk(_ ruleBased: ChurnRisk, probabilityAlive: Double?, churnRules: ChurnRules,
                                 rules: PredictiveRules) -> PredictedChurnRisk {
        var score = ruleBased.score
        var reasons = ruleBased.reasons
        if let alive = probabilityAlive {
            let text = String(format: "%.2f", alive)
            if alive < rules.churnHighBelowPAlive {
                score += rules.highChurnPoints
                reasons.append("P(alive) \(text) < \(rules.churnHighBelowPAlive.formatted())")
            } else if alive < rules.churnMediumBelowPAlive {
                score += rules.mediumChurnPoints
                reasons.append("P(alive) \(text) < \(rules.churnMediumBelowPAlive.formatted())")
            }
        }
        let level: ChurnRisk.Level = score >= churnRules.highFrom ? .high : score >= churnRules.mediumFrom ? .medium : .low
        return PredictedChurnRisk(ruleBased: ruleBased, probabilityAlive: probabilityAlive, score: score, level: level, reasons: reasons)
    }

    /// Whether a customer in an ordering stage is probably lost by P(alive).
    public static func probablyLost(stage: LifecycleStage?, probabilityAlive: Double?, rules: PredictiveRules) -> Bool {
        guard let alive = probabilityAlive, let stage else { return false }
        return [.newCustomer, .growingCustomer, .starCustomer].contains(stage) && alive < rules.probablyLostBelowPAlive
    }

    /// The CLV segment with predicted CLV and P(alive); see ``CustomerOutlook/segment``.
    public static func segment(ruleBased: ValueSegment, historicCLV: Int64, predictedCLV: Int64?, probabilityAlive: Double?,
                               valueRules: ValueRules, rules: PredictiveRules) -> ValueSegment {
        if ruleBased == .atRisk { return .atRisk }
        if let alive = probabilityAlive, alive < rules.churnMediumBelowPAlive { return .atRisk }
        if let predicted = predictedCLV, historicCLV < valueRules.loyalMinCLV, predicted >= rules.potentialMinPredictedCLV {
            return .potential
        }
        return ruleBased
    }

    /// Open and qualified leads with their P(won) and rule-based score, most likely first (ties
    /// by lead id).
    /// - Throws: ``PredictiveError/noClosedLeads`` when no lead was won or lost yet.
    public static func leadScores(crm: CRMReadModels, predictive: PredictiveReadModels, asOf: CalendarDay,
                                  rules: PredictiveRules = .standard) throws(PredictiveError) -> [LeadScores] {
        let scorer = try NaiveBayesLeadScorer(predictive.leads, rules: rules)
        var result: [LeadScores] = []
        for (id, facts) in predictive.leads.leads.records where facts.outcome == .open {
            let record = crm.customer360.leads[id]
            if let record, record.status != .open && record.status != .qualified { continue }
            result.append(LeadScores(lead: id, probabilityWon: scorer.probabilityWon(facts),
                                     ruleBasedScore: record.map { CustomerAnalytics.leadScore($0, rules: crm.rules.leadScoring, asOf: asOf) }))
        }
        return result.sorted {
            $0.probabilityWon != $1.probabilityWon ? $0.probabilityWon > $1.probabilityWon : $0.lead.description < $1.lead.description
        }
    }
}
