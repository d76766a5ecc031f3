import ArgumentParser
import CRMDomain
import CRMEventLog
import CRMPredictive
import CRMProjections
import CRMReports
import Foundation

struct Predict: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit BG/NBD (purchases, P(alive)) and Gamma-Gamma (spend) on the store's orders and print the parameters.",
        discussion: "With --customer, also that customer's expected purchases over the horizon, P(alive), expected order value and predicted CLV; with --all, every customer's, in one fold.")
    @OptionGroup var options: StoreOptions
    @Option(name: .customLong("calibration-end"), help: "Last day (YYYY-MM-DD) whose purchases count; default: the latest purchase day.")
    var calibrationEnd: String?
    @Option(help: "Time unit of the summary and the horizon: day or week.") var unit = "week"
    @Option(help: "Forecast and CLV horizon in units.") var horizon = 52
    @Option(help: "Yearly discount rate of the predicted CLV.") var discountRate = 0.1
    @Option(help: "Currency whose orders count (ISO code; default: the store's reporting currency, that of its first order).") var currency: String?
    @Option(help: "A customer id to forecast.") var customer: String?
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Write every customer's forecast (one fold of the log).") var all = false
    @Option(help: "With --all: jsonl or csv.") var format = "jsonl"
    @Option(help: "With --all: the file to write (`-` or absent: standard output).") var out: String?

    func validate() throws {
        if all && customer != nil { throw ValidationError("--all and --customer exclude each other") }
        guard ["jsonl", "csv"].contains(format) else { throw ValidationError("--format must be jsonl or csv") }
        if !all && out != nil { throw ValidationError("--out needs --all") }
    }

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
            var given: CurrencyCode?
            if let currency {
                guard let code = CurrencyCode(currency.uppercased()) else { throw CLIError("bad --currency '\(currency)': expected an ISO code like EUR") }
                given = code
            }
            let rules = PredictiveRules(unit: try TimeUnit(parsing: unit), horizon: horizon, yearlyDiscountRate: discountRate)
            try rules.validate()
            let (store, state) = try await options.openExisting(readOnly: true)
            defer { store.close(); state?.close() }
            let code = try given ?? ReportSource.servedRules(in: state, for: store).currency
            if all {
                try writeAll(store: store, calibrationEnd: end, rules: rules, currency: code)
                return
            }
            let report = try PredictiveReport(store: store, calibrationEnd: end, rules: rules,
                                              crmRules: CRMRules(version: 1, currency: code), customer: id)
            if json { printJSON(PredictionJSON(report, currency: code.code)) } else { print(report.text) }
        }
    }
}

extension Predict {
    /// Every customer's forecast as JSON Lines or CSV, from one fold of the log.
    func writeAll(store: any EventLogStore, calibrationEnd: CalendarDay?, rules: PredictiveRules, currency: CurrencyCode) throws {
        let models = try ProjectionEngine.rebuild(PredictiveReadModels.self, store: store, rules: CRMRules(version: 1, currency: currency))
        let fit = try models.fit(in: store, calibrationEnd: calibrationEnd, rules: rules)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var text = format == "csv"
            ? "customer,frequency,recency,age,expectedPurchases,probabilityAlive,expectedOrderValueMinorUnits,predictedCLVMinorUnits,currency\n" : ""
        for row in fit.summary.customers {
            let forecast = PredictionJSON.Forecast(try fit.forecast(row), currency: currency.code)
            if format == "csv" {
                let order: String = forecast.expectedOrderValue.map { String($0.minorUnits) } ?? ""
                let clv: String = forecast.predictedCLV.map { String($0.minorUnits) } ?? ""
                let fields: [String] = [forecast.customer, String(forecast.frequency), String(forecast.recency), String(forecast.age),
                                        String(forecast.expectedPurchases), String(forecast.probabilityAlive), order, clv, currency.code]
                text += fields.joined(separator: ",") + "\n"
            } else {
                text += String(decoding: try encoder.encode(forecast), as: UTF8.self) + "\n"
            }
        }
        if let out, out != "-" {
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                throw CLIError("cannot write \(out): \((error as NSError).localizedDescription)")
            }
            print("wrote the forecasts of \(fit.summary.customers.count) customers to \(out)")
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
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

        init(_ forecast: CustomerForecast, currency: String) {
            customer = forecast.customer.description
            frequency = forecast.frequency
            recency = forecast.recency
            age = forecast.age
            monetaryValue = MoneyAmount(major: forecast.monetaryValue, currency: currency)
            horizon = forecast.horizon
            unit = forecast.unit
            expectedPurchases = forecast.expectedPurchases
            probabilityAlive = forecast.probabilityAlive
            expectedOrderValue = forecast.expectedOrderValue.map { MoneyAmount(major: $0, currency: currency) }
            predictedCLV = forecast.predictedCLV.map { MoneyAmount(major: $0, currency: currency) }
        }
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
        customer = report.customer.map { Forecast($0, currency: currency) }
    }
}
