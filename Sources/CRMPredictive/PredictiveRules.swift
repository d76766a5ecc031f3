import CRMDomain
import Foundation

/// The time unit of an RFM summary and of the models fitted on it.
public enum TimeUnit: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// One day.
    case day
    /// Seven days (the unit of the CDNOW study).
    case week

    /// Reads `day` or `week` (also `days`, `weeks`, any case).
    /// - Throws: ``PredictiveError/invalidUnit(_:)`` for anything else.
    public init(parsing text: String) throws(PredictiveError) {
        switch text.lowercased() {
        case "day", "days", "d": self = .day
        case "week", "weeks", "w": self = .week
        default: throw .invalidUnit(text)
        }
    }

    /// Days per unit.
    public var days: Double { self == .day ? 1 : 7 }

    /// `day` or `week`.
    public var description: String { rawValue }
}

/// The rules of the predictive models as data with a version, like `CRMRules`: the time unit,
/// the CLV horizon and discount rate, and the thresholds at which P(alive) and predicted CLV
/// feed churn risk, lifecycle and segments.
public struct PredictiveRules: Codable, Sendable, Hashable {
    /// The rules' version.
    public var version: Int
    /// The time unit of the RFM summary, the forecast horizon and the fitted rate parameter α.
    public var unit: TimeUnit
    /// The forecast and CLV horizon, in ``unit``s.
    public var horizon: Int
    /// The yearly discount rate d of the predicted CLV (a cash flow t days ahead is divided by
    /// (1 + d)^(t / 365)).
    public var yearlyDiscountRate: Double
    /// The share of revenue kept as margin in the predicted CLV (1 = revenue CLV).
    public var margin: Double
    /// P(alive) below which churn risk gets ``mediumChurnPoints``.
    public var churnMediumBelowPAlive: Double
    /// P(alive) below which churn risk gets ``highChurnPoints`` instead.
    public var churnHighBelowPAlive: Double
    /// Churn points added when P(alive) is below ``churnMediumBelowPAlive``.
    public var mediumChurnPoints: Int
    /// Churn points added when P(alive) is below ``churnHighBelowPAlive``.
    public var highChurnPoints: Int
    /// P(alive) below which an ordering customer is flagged as probably lost ahead of the
    /// lifecycle's "no order for N days" rule.
    public var probablyLostBelowPAlive: Double
    /// Predicted CLV (minor units) from which a customer whose historic CLV is below the loyal
    /// cut-off is a *potential* customer.
    public var potentialMinPredictedCLV: Int64
    /// Pseudo-count added to every won and lost count of an attribute value in naive-Bayes lead
    /// scoring (Odoo uses 0.1), so a value seen only among won leads does not give certainty.
    public var leadSmoothing: Double
    /// The lead attributes naive Bayes uses (`source` is the lead source); `nil` uses all.
    public var leadAttributes: [String]?

    /// Creates rules.
    public init(version: Int = 1, unit: TimeUnit = .week, horizon: Int = 52, yearlyDiscountRate: Double = 0.1,
                margin: Double = 1, churnMediumBelowPAlive: Double = 0.5, churnHighBelowPAlive: Double = 0.2,
                mediumChurnPoints: Int = 30, highChurnPoints: Int = 60, probablyLostBelowPAlive: Double = 0.2,
                potentialMinPredictedCLV: Int64 = 500_000, leadSmoothing: Double = 0.1, leadAttributes: [String]? = nil) {
        self.version = version
        self.unit = unit
        self.horizon = horizon
        self.yearlyDiscountRate = yearlyDiscountRate
        self.margin = margin
        self.churnMediumBelowPAlive = churnMediumBelowPAlive
        self.churnHighBelowPAlive = churnHighBelowPAlive
        self.mediumChurnPoints = mediumChurnPoints
        self.highChurnPoints = highChurnPoints
        self.probablyLostBelowPAlive = probablyLostBelowPAlive
        self.potentialMinPredictedCLV = potentialMinPredictedCLV
        self.leadSmoothing = leadSmoothing
        self.leadAttributes = leadAttributes
    }

    /// The defaults: version 1, weeks, 52 weeks, 10 % a year.
    public static let standard = PredictiveRules()

    /// Reads rules from JSON (the form ``json()`` writes) and checks them.
    public init(json: Data) throws {
        self = try JSONDecoder().decode(PredictiveRules.self, from: json)
        try validate()
    }

    /// The rules as JSON with sorted keys.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try encoder.encode(self)
    }

    /// Checks every value's range.
    /// - Throws: ``PredictiveError/invalidRule(name:reason:)`` naming the first rule out of range.
    public func validate() throws(PredictiveError) {
        guard horizon >= 1 else { throw .invalidRule(name: "horizon", reason: "must be at least 1 \(unit), is \(horizon)") }
        guard yearlyDiscountRate > -1, yearlyDiscountRate.isFinite else {
            throw .invalidRule(name: "yearlyDiscountRate", reason: "must be a number above -1, is \(yearlyDiscountRate)")
        }
        guard margin.isFinite else { throw .invalidRule(name: "margin", reason: "must be a finite number") }
        for (name, value) in [("churnMediumBelowPAlive", churnMediumBelowPAlive), ("churnHighBelowPAlive", churnHighBelowPAlive),
                              ("probablyLostBelowPAlive", probablyLostBelowPAlive)] where !(0...1).contains(value) {
            throw .invalidRule(name: name, reason: "must be a probability in 0…1, is \(value)")
        }
        guard leadSmoothing >= 0, leadSmoothing.isFinite else {
            throw .invalidRule(name: "leadSmoothing", reason: "must be a non-negative number, is \(leadSmoothing)")
        }
    }
}
