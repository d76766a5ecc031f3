import CRMDomain
import Foundation

/// Both models fitted on one RFM summary, and the per-customer forecasts they give: expected
/// purchases, P(alive), expected order value and predicted CLV.
///
/// A pure function of the summary and the rules: the same log gives the same numbers.
public struct PredictiveFit: Sendable, Hashable {
    /// The summary the models were fitted on.
    public let summary: RFMSummary
    /// The purchase and drop-out model.
    public let purchases: BGNBDModel
    /// The spend model; `nil` when the summary has fewer than two repeat buyers with positive spend.
    public let spend: GammaGammaModel?
    /// The rules (horizon, discount rate, margin).
    public let rules: PredictiveRules

    /// Fits BG/NBD on every customer of `summary` and Gamma-Gamma on its repeat buyers.
    /// - Throws: ``PredictiveError`` when the rules are out of range, the unit differs from the
    ///   rules' or the BG/NBD fit fails. Too few repeat buyers leave ``spend`` `nil` instead.
    public init(summary: RFMSummary, rules: PredictiveRules = .standard) throws(PredictiveError) {
        try rules.validate()
        guard summary.unit == rules.unit else {
            throw .invalidRule(name: "unit", reason: "is \(rules.unit) but the summary is in \(summary.unit)s")
        }
        self.summary = summary
        self.rules = rules
        purchases = try BGNBDModel.fit(summary)
        do {
            spend = try GammaGammaModel.fit(summary)
        } catch .tooFewCustomers {
            spend = nil
        }
    }

    /// The forecast of one customer.
    /// - Throws: ``PredictiveError/unknownCustomer(_:calibrationEnd:)`` when the customer has no
    ///   purchase by the calibration end; ``PredictiveError/forecastFailed(reason:)``.
    public func forecast(_ customer: CustomerID) throws(PredictiveError) -> CustomerForecast {
        try forecast(summary.customer(customer))
    }

    /// The forecast of a summary row.
    public func forecast(_ row: CustomerRFM) throws(PredictiveError) -> CustomerForecast {
        let horizon = Double(rules.horizon)
        let expected = try purchases.expectedPurchases(in: horizon, row)
        let value = spend?.expectedAverageValue(row)
        var clv: Double?
        if let value { clv = try predictedCLV(row, expectedOrderValue: value) }
        return CustomerForecast(customer: row.customer, rfm: row, horizon: rules.horizon, unit: rules.unit,
                                expectedPurchases: expected, probabilityAlive: purchases.probabilityAlive(row),
                                expectedOrderValue: value, predictedCLV: clv)
    }

    /// Predicted CLV in major currency units:
    /// Σᵢ₌₁…H (E[X(i)] − E[X(i−1)]) · v · margin / (1 + d)^(i · unit days / 365),
    /// the expected purchases of each unit of the horizon H times the expected order value v,
    /// discounted at the yearly rate d to the calibration end.
    public func predictedCLV(_ row: CustomerRFM, expectedOrderValue value: Double) throws(PredictiveError) -> Double {
        var total = 0.0, previous = 0.0
        let perYear = 365 / rules.unit.days
        for i in 1...rules.horizon {
            let cumulative = try purchases.expectedPurchases(in: Double(i), row)
            total += (cumulative - previous) * value / pow(1 + rules.yearlyDiscountRate, Double(i) / perYear)
            previous = cumulative
        }
        return total * rules.margin
    }
}

/// One customer's forecast.
public struct CustomerForecast: Sendable, Hashable, Codable {
    /// The customer.
    public let customer: CustomerID
    /// x: repeat occasions up to the calibration end.
    public let frequency: Int
    /// t_x in the unit.
    public let recency: Double
    /// T in the unit.
    public let age: Double
    /// Mean value of the repeat occasions (major units).
    public let monetaryValue: Double
    /// The horizon of the forecast, in ``unit``s.
    public let horizon: Int
    /// The unit.
    public let unit: TimeUnit
    /// Expected purchases in the next ``horizon`` units (BG/NBD).
    public let expectedPurchases: Double
    /// Probability that the customer is still alive at the calibration end (BG/NBD).
    public let probabilityAlive: Double
    /// Expected mean order value (Gamma-Gamma, major units); `nil` without a spend model.
    public let expectedOrderValue: Double?
    /// Predicted CLV over the horizon (major units); `nil` without a spend model.
    public let predictedCLV: Double?

    init(customer: CustomerID, rfm: CustomerRFM, horizon: Int, unit: TimeUnit, expectedPurchases: Double,
         probabilityAlive: Double, expectedOrderValue: Double?, predictedCLV: Double?) {
        self.customer = customer
        frequency = rfm.frequency
        recency = rfm.recency
        age = rfm.age
        monetaryValue = rfm.monetaryValue
        self.horizon = horizon
        self.unit = unit
        self.expectedPurchases = expectedPurchases
        self.probabilityAlive = probabilityAlive
        self.expectedOrderValue = expectedOrderValue
        self.predictedCLV = predictedCLV
    }

    /// Predicted CLV in minor units, rounded half away from zero (for comparing with CRMProjections' CLV).
    public var predictedCLVMinorUnits: Int64? {
        predictedCLV.map { Int64(($0 * 100).rounded(.toNearestOrAwayFromZero)) }
    }
}
