import ArgumentParser
import CRMDomain
import CRMPredictive
import CRMProjections
import CRMReports
import Foundation

struct Predict: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit BG/NBD (purchases, P(alive)) and Gamma-Gamma (spend) on the store's orders and print the parameters.",
        discussion: "With --customer, also that customer's expected purchases over the horizon, P(alive), expected order value and predicted CLV.")
    @OptionGroup var options: StoreOptions
    @Option(name: .customLong("calibration-end"), help: "Last day (YYYY-MM-DD) whose purchases count; default: the latest purchase day.")
    var calibrationEnd: String?
    @Option(help: "Time unit of the summary and the horizon: day or week.") var unit = "week"
    @Option(help: "Forecast and CLV horizon in units.") var horizon = 52
    @Option(help: "Yearly discount rate of the predicted CLV.") var discountRate = 0.1
    @Option(help: "Currency whose orders count (ISO code).") var currency = "EUR"
    @Option(help: "A customer id to forecast.") var customer: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            var end: CalendarDay?
            if let calibrationEnd {
                guard let day = CalendarDay(iso: calibrationEnd) else {
                    throw CLIError("bad --calibration-end '\(calibrationEnd)': expected a date YYYY-MM-DD")
                }
                end = day
            }
            var id: CustomerID?
            if let customer {
                guard let value = CustomerID(customer) else { throw CLIError("bad --customer '\(customer)': expected a UUID") }
                id = value
            }
            guard let code = CurrencyCode(currency.uppercased()) else { throw CLIError("bad --currency '\(currency)': expected an ISO code like EUR") }
            let rules = PredictiveRules(unit: try TimeUnit(parsing: unit), horizon: horizon, yearlyDiscountRate: discountRate)
            try rules.validate()
            let store = try options.openReadOnly()
            defer { store.close() }
            let report = try PredictiveReport(store: store, calibrationEnd: end, rules: rules,
                                              crmRules: CRMRules(version: 1, currency: code), customer: id)
            if json { printJSON(PredictionJSON(report, currency: code.code)) } else { print(report.text) }
        }
    }
}

/// `crm predict --json`: the report with money in the one JSON shape of every command
/// (`{"currency", "minorUnits"}`), pretty-printed like the others.
struct PredictionJSON: Encodable {
    /// One customer's forecast.
    struct Forecast: Encodable {
        let customer: String
        let frequency: Int
        let recency: Double
        let age: Double
        let monetaryValue: MoneyAmount
        let horizon: Int
        let unit: TimeUnit
        let expectedPurchases: Double
        let probabilityAlive: Double
        let expectedOrderValue: MoneyAmount?
        let predictedCLV: MoneyAmount?
    }

    let calibrationEnd: String
    let unit: TimeUnit
    let horizon: Int
    let currency: String
    let customers: Int
    let repeatCustomers: Int
    let purchases: BGNBDModel
    let spend: GammaGammaModel?
    let customer: Forecast?

    init(_ report: PredictiveReport, currency: String) {
        calibrationEnd = report.calibrationEnd.description
        unit = report.unit
        horizon = report.horizon
        self.currency = currency
        customers = report.customers
        repeatCustomers = report.repeatCustomers
        purchases = report.purchases
        spend = report.spend
        customer = report.customer.map { forecast in
            Forecast(customer: forecast.customer.description, frequency: forecast.frequency, recency: forecast.recency, age: forecast.age,
                     monetaryValue: MoneyAmount(major: forecast.monetaryValue, currency: currency), horizon: forecast.horizon,
                     unit: forecast.unit, expectedPurchases: forecast.expectedPurchases, probabilityAlive: forecast.probabilityAlive,
                     expectedOrderValue: forecast.expectedOrderValue.map { MoneyAmount(major: $0, currency: currency) },
                     predictedCLV: forecast.predictedCLV.map { MoneyAmount(major: $0, currency: currency) })
        }
    }
}
