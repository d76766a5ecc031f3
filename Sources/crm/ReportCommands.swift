import ArgumentParser
import CRMDomain
import CRMPolicies
import CRMProjections
import CRMReports
import CRMEventLog
import Foundation

struct CustomerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customer", abstract: "One customer on one page: stage, value, risk, balances, orders, invoices, tickets, interactions.")
    @OptionGroup var options: StoreOptions
    @OptionGroup var report: ReportOptions
    @Argument(help: "The customer's id (UUID) or stream (customer-<uuid>).") var id: String

    func run() async throws {
        try await reportingErrors {
            let customer = try ReportInput.customerID(id)
            let value = try await report.withSource(options) { try Customer360Report($0, customer: customer) }
            try report.emit(value) { TextReport.customer360(value) }
        }
    }
}

struct Pipeline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Open opportunities by stage, win rate, cycle, velocity and the forecast by month.")
    @OptionGroup var options: StoreOptions
    @OptionGroup var report: ReportOptions

    func run() async throws {
        try await reportingErrors {
            let value = try await report.withSource(options) { PipelineReport($0) }
            try report.emit(value) { TextReport.pipeline(value) }
        }
    }
}

struct Lifecycle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Customers per lifecycle stage (Interessent … Verlorener Kunde), and month by month.")
    @OptionGroup var options: StoreOptions
    @OptionGroup var report: ReportOptions
    @Option(help: "Month-end snapshots in the JSON history.") var months = 36

    func validate() throws {
        guard months >= 1 && months <= 1_200 else { throw ValidationError("--months must be between 1 and 1200") }
    }

    func run() async throws {
        try await reportingErrors {
            let value = try await report.withSource(options) { LifecycleReport($0, months: months) }
            try report.emit(value) { TextReport.lifecycle(value) }
        }
    }
}

struct Scorecard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The balanced scorecard of a period: four perspectives, KPIs with target, status and trend.")
    @OptionGroup var options: StoreOptions
    @OptionGroup var report: ReportOptions
    @Option(help: "YYYY, YYYY-MM or YYYY-Qn (default: the last complete quarter).") var period: String?
    @Option(help: "Periods in each KPI's trend.") var trend = 6

    func validate() throws {
        guard trend >= 1 && trend <= 120 else { throw ValidationError("--trend must be between 1 and 120") }
    }

    func run() async throws {
        try await reportingErrors {
            let chosen = try period.map(ReportInput.period)
            let value = try await report.withSource(options) { source in
                let period = chosen ?? ReportSource.lastCompleteQuarter(before: source.day)
                if period.start > source.day {
                    throw CLIError("the period \(period) starts after the report day \(source.day); there is nothing to grade yet")
                }
                return ScorecardSummary(source, period: period, trend: trend)
            }
            try report.emit(value) { TextReport.scorecard(value) }
        }
    }
}

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the HTML report: pipeline funnel, forecast, scorecard, lifecycle over time, CLV segments, churn risk.")
    @OptionGroup var options: StoreOptions
    @OptionGroup var report: ReportOptions
    @Option(help: "The HTML file to write (`-`: standard output; default report.html, none with --json).") var out: String?
    @Option(help: "The scorecard's period, YYYY, YYYY-MM or YYYY-Qn (default: the last complete quarter).") var period: String?

    func run() async throws {
        try await reportingErrors {
            let chosen = try period.map(ReportInput.period)
            let (store, state) = try await options.openLog(readOnly: true)
            defer { state?.close(); store.close() }
            let source = try report.source(options, store: store, state: state)
            // The closed loop's section, when the policies were activated on the store.
            var loop: ClosedLoopPart?
            let runner = try PolicyRunner(store: store, readModelRules: source.models.rules)
            if try await runner.activation() != nil {
                loop = ClosedLoopPart(effect: try await runner.effectReport(asOf: source.day), lists: try await runner.workLists(on: source.day),
                                      currency: source.models.rules.currency.code)
            }
            let value = HTMLReport(source, period: chosen, closedLoop: loop)
            if report.json {
                // JSON only: the HTML is written only when --out names a file.
                if let out, out != "-" { try write(value, to: out, options: options) }
                printJSON(value)
            } else if out == "-" {
                FileHandle.standardOutput.write(Data(value.render().utf8))
            } else {
                let path = out ?? "report.html"
                try write(value, to: path, options: options)
                print("wrote \(path) (\(value.render().utf8.count / 1024) KiB)")
            }
        }
    }
}

/// Writes the rendered report (see ``OutputFile``: never into the store or over its key; a
/// device or FIFO as a stream).
func write(_ report: HTMLReport, to path: String, options: StoreOptions) throws {
    try writingOutput(path, options: options, what: "the HTML report") { file in
        try file.write(Array(report.render().utf8))
    }
}
