import ArgumentParser
import CRMDomain
import CRMProjections
import CRMReports
import Foundation

extension AttributionModel: ExpressibleByArgument {}

extension ReportOptions {
    /// Opens the store read-only, loads the report's read models, and hands them to `body`.
    func withSource<T>(_ options: StoreOptions, _ body: (ReportSource) throws -> T) async throws -> T {
        let (store, state) = try await options.openLog(readOnly: true)
        defer { state?.close(); store.close() }
        return try body(try source(options, store: store, state: state))
    }
}

struct JourneyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journey", abstract: "The customer journey: everyone's phase, the funnel and days per phase of a cohort, touchpoints by channel; or one customer's journey.")
    @OptionGroup var options: StoreOptions
    @OptionGroup var report: ReportOptions
    @Option(help: "One customer's journey: the id (UUID) or stream (customer-<uuid>).") var customer: String?
    @Option(help: "The cohort (journeys begun in it) and the touchpoints' period: YYYY, YYYY-MM or YYYY-Qn (default: the report day's year).")
    var period: String?

    func run() async throws {
        try await reportingErrors {
            let chosen = try period.map(ReportInput.period)
            let customerID = try customer.map(ReportInput.customerID)
            let value = try await report.withSource(options) { source in
                let period = chosen ?? .year(source.day.parts.year)
                return try customerID.map { try JourneyReport(source, customer: $0, period: period) } ?? JourneyReport(source, period: period)
            }
            try report.emit(value) { TextReport.journey(value) }
        }
    }
}

struct AttributionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attribution", abstract: "Revenue and won opportunities attributed to campaigns, lead sources and channels, with campaign cost and ROI.")
    @OptionGroup var options: StoreOptions
    @OptionGroup var report: ReportOptions
    @Option(help: "firstTouch, lastTouch, linear, timeDecay, positionBased or dataDriven (default: all, side by side).")
    var model: AttributionModel?
    @Option(help: "Days before a conversion whose touches earn credit (default: the rules', 90).") var window: Int?
    @Option(help: "The conversions' period: YYYY, YYYY-MM or YYYY-Qn (default: the report day's year).") var period: String?

    func validate() throws {
        if let window, !(0...3_650).contains(window) { throw ValidationError("--window must be between 0 and 3650 days") }
    }

    func run() async throws {
        try await reportingErrors {
            let chosen = try period.map(ReportInput.period)
            let value = try await report.withSource(options) { source in
                AttributionReport(source, models: model.map { [$0] } ?? AttributionModel.allCases,
                                  period: chosen ?? .year(source.day.parts.year), windowDays: window)
            }
            try report.emit(value) { TextReport.attribution(value) }
        }
    }
}
