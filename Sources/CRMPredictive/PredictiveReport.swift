import CRMDomain
import CRMProjections
import CRMEventLog
import Foundation

/// What `crm predict` shows: the fitted parameters of both models with their log-likelihoods,
/// and optionally one customer's forecast. Built from a store by rebuilding the predictive read
/// models from its log, so the same log always gives the same report.
public struct PredictiveReport: Sendable, Hashable, Codable {
    /// The calibration end the summary was taken at.
    public let calibrationEnd: CalendarDay
    /// The time unit.
    public let unit: TimeUnit
    /// The horizon of the forecasts, in units.
    public let horizon: Int
    /// Customers with a purchase by the calibration end.
    public let customers: Int
    /// Of them, customers with a repeat purchase.
    public let repeatCustomers: Int
    /// The fitted BG/NBD model.
    public let purchases: BGNBDModel
    /// The fitted Gamma-Gamma model, `nil` with fewer than two repeat buyers with positive spend.
    public let spend: GammaGammaModel?
    /// The requested customer's forecast.
    public let customer: CustomerForecast?

    /// The report of a fit.
    /// - Throws: ``PredictiveError/unknownCustomer(_:calibrationEnd:)`` when `customer` has no
    ///   purchase by the calibration end.
    public init(fit: PredictiveFit, customer: CustomerID? = nil) throws(PredictiveError) {
        calibrationEnd = fit.summary.calibrationEnd
        unit = fit.summary.unit
        horizon = fit.rules.horizon
        customers = fit.summary.customers.count
        repeatCustomers = fit.summary.repeatCustomers
        purchases = fit.purchases
        spend = fit.spend
        if let customer { self.customer = try fit.forecast(customer) } else { self.customer = nil }
    }

    /// Rebuilds the predictive read models from `store`'s log (counting orders in the currency
    /// of `crmRules`), fits both models as of `calibrationEnd` (default: the latest purchase
    /// day) and reports them.
    public init(store: any EventLogStore, calibrationEnd: CalendarDay? = nil, rules: PredictiveRules = .standard,
                crmRules: CRMRules = .standard, customer: CustomerID? = nil) throws {
        let models = try ProjectionEngine.rebuild(PredictiveReadModels.self, store: store, rules: crmRules)
        try self.init(fit: models.fit(in: store, calibrationEnd: calibrationEnd, rules: rules), customer: customer)
    }

    /// The report as lines of text.
    public var text: String {
        func f(_ value: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", value) }
        func ll(_ value: Double?) -> String { value.map { f($0, 2) } ?? "–" }
        var lines = [
            "calibration end \(calibrationEnd), unit \(unit), \(customers) customers (\(repeatCustomers) with repeat purchases)",
            "BG/NBD       r = \(f(purchases.r))  α = \(f(purchases.alpha))  a = \(f(purchases.a))  b = \(f(purchases.b))"
                + "  log-likelihood \(ll(purchases.logLikelihood))",
        ]
        if let spend {
            lines.append("Gamma-Gamma  p = \(f(spend.p))  q = \(f(spend.q))  γ = \(f(spend.gamma))"
                + "  log-likelihood \(ll(spend.logLikelihood)) (\(spend.customers) repeat buyers)")
        } else {
            lines.append("Gamma-Gamma  not fitted: fewer than two repeat buyers with positive spend")
        }
        let boundary = purchases.boundaryParameters + (spend?.boundaryParameters ?? [])
        if !boundary.isEmpty {
            lines.append("note: \(boundary.joined(separator: ", ")) at the edge of the parameter space: the data show no heterogeneity"
                + " there and the forecasts are those of the limiting model")
        }
        for (name, converged) in [("BG/NBD", purchases.converged), ("Gamma-Gamma", spend?.converged)] where converged == false {
            lines.append("note: the \(name) fit stopped at its evaluation limit before converging")
        }
        if let c = customer {
            lines.append("customer \(c.customer): x = \(c.frequency), t_x = \(f(c.recency, 2)), T = \(f(c.age, 2)) \(unit)s,"
                + " mean repeat value \(f(c.monetaryValue, 2))")
            var figures = "  expected purchases in \(horizon) \(unit)s \(f(c.expectedPurchases)), P(alive) \(f(c.probabilityAlive))"
            if let value = c.expectedOrderValue, let clv = c.predictedCLV {
                figures += ", expected order value \(f(value, 2)), predicted CLV \(f(clv, 2))"
            }
            lines.append(figures)
        }
        return lines.joined(separator: "\n")
    }

    /// The report as JSON with sorted keys.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}
