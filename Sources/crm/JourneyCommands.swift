import ArgumentParser
import CRMDomain
import CRMProjections
import CRMReports
import Foundation

extension AttributionModel: ExpressibleByArgument {}

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
            let (store, state) = try await options.openLog(readOnly: true)
            defer { state?.close(); store.close() }
            let source = try report.source(options, store: store, state: state)
            let period = chosen ?? .year(source.day.parts.year)
            let value = try customerID.map { try JourneyReport(source, customer: $0, period: period) } ?? JourneyReport(source, period: period)
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
            let (store, state) = try await options.openLog(readOnly: true)
            defer { state?.close(); store.close() }
            let source = try report.source(options, store: store, state: state)
            let period = chosen ?? .year(source.day.parts.year)
            let value = AttributionReport(source, models: model.map { [$0] } ?? AttributionModel.allCases, period: period, windowDays: window)
            try report.emit(value) { TextReport.attribution(value) }
        }
    }
}
