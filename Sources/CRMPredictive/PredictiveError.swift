import CRMDomain

/// Why a predictive figure could not be computed; the description names what was wrong.
public enum PredictiveError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No customer has a purchase on or before the calibration end.
    case noPurchases(calibrationEnd: CalendarDay)
    /// The log holds no standing order in the currency the purchase model counts.
    case noOrders(currency: CurrencyCode)
    /// The log holds no order in `currency`; its orders are in the currencies `found`.
    case noOrdersInCurrency(CurrencyCode, found: [CurrencyCode])
    /// The customer has no purchase on or before the calibration end (or is not known at all).
    case unknownCustomer(CustomerID, calibrationEnd: CalendarDay)
    /// A time unit other than `day` or `week`.
    case invalidUnit(String)
    /// A rule value is out of its range.
    case invalidRule(name: String, reason: String)
    /// A model needs more customers than the summary has (e.g. Gamma-Gamma without repeat buyers).
    case tooFewCustomers(model: String, found: Int, needed: Int)
    /// The likelihood could not be evaluated or maximised.
    case fitFailed(model: String, reason: String)
    /// A forecast could not be evaluated (e.g. the hypergeometric series did not converge).
    case forecastFailed(reason: String)
    /// The lead is not in the log.
    case unknownLead(LeadID)
    /// No lead has been won or lost yet, so there is nothing to learn from.
    case noClosedLeads

    /// What was wrong, in one sentence naming the value.
    public var description: String {
        switch self {
        case .noPurchases(let end):
            return "no customer has a purchase on or before the calibration end \(end)"
        case .noOrders(let currency):
            return "the log holds no order in \(currency) to summarise (orders in other currencies are left out)"
        case .noOrdersInCurrency(let currency, let found):
            return "no order in \(currency); the store's orders are in \(found.map(\.code).joined(separator: ", "))"
        case .unknownCustomer(let id, let end):
            return "customer \(id) has no purchase on or before the calibration end \(end)"
        case .invalidUnit(let text):
            return "unknown time unit '\(text)': expected 'day' or 'week'"
        case .invalidRule(let name, let reason):
            return "rule \(name) \(reason)"
        case .tooFewCustomers(let model, let found, let needed):
            return "\(model) needs at least \(needed) customers to fit, found \(found)"
        case .fitFailed(let model, let reason):
            return "\(model) fit failed: \(reason)"
        case .forecastFailed(let reason):
            return "forecast failed: \(reason)"
        case .unknownLead(let id):
            return "lead \(id) is not in the log"
        case .noClosedLeads:
            return "no lead has been won or lost yet: predictive lead scoring needs closed leads to learn from"
        }
    }
}
