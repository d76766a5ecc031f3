import ArgumentParser
import CRMDomain
import CRMPolicies
import CRMProjections
import CRMReports
import CRMEventLog
import Foundation

/// Options of the commands that run or read the closed-loop policies.
struct PolicyOptions: ParsableArguments {
    @Option(name: .customLong("policy-rules"), help: "Policy rules JSON file (default: the standard rules, version 1).")
    var policyRules: String?

    @Flag(help: "Print JSON (shapes in docs/cli.md).")
    var json = false

    /// A runner over `store` with the chosen policy rules and the read models' rules
    /// (default: those the served read models were built with).
    func runner(_ store: any EventLogStore, state: StateStore?, handler: CommandHandler? = nil, modelRules: CRMRules? = nil) throws -> PolicyRunner {
        let rules: PolicyRules
        if let path = policyRules {
            guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read the policy rules file \(path)") }
            do { rules = try PolicyRules(json: data) } catch let error as PolicyRulesError {
                throw CLIError("\(path): \(error)")
            } catch {
                throw CLIError("\(path) is not policy rules JSON (see docs/policies.md)")
            }
        } else {
            rules = .standard
        }
        let modelRules = try modelRules ?? ReportSource.servedRules(in: state, for: store)
        return try PolicyRunner(store: store, handler: handler, readModelRules: modelRules, rules: rules)
    }

    /// Prints `value` as JSON, or `text()`.
    func emit<T: Encodable>(_ value: T, text: () -> String) {
        if json { printJSON(value) } else { print(text()) }
    }
}

struct Worklist: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The day's work: leads to call, customers at risk and why, tickets near or over their SLA, follow-ups due.")
    @OptionGroup var options: StoreOptions
    @OptionGroup var policy: PolicyOptions
    @Option(name: .customLong("as-of"), help: "Lists as of a business day YYYY-MM-DD or a log position N (default: the latest day).")
    var asOf: String?
    @Option(help: "Entries shown per list (text output; JSON has them all).") var limit = 10

    func validate() throws {
        guard limit >= 1 && limit <= 10_000 else { throw ValidationError("--limit must be between 1 and 10000") }
    }

    func run() async throws {
        try await reportingErrors {
            let cut = try asOf.map(ReportInput.asOf)
            let (store, state) = try await options.openLog(readOnly: true)
            defer { state?.close(); store.close() }
            let runner = try policy.runner(store, state: state)
            let lists: WorkLists
            if let cut { lists = try await runner.workLists(asOf: cut) } else { lists = try await runner.workLists() }
            policy.emit(lists) { TextReport.workLists(lists, limit: limit) }
        }
    }
}

struct Policies: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The closed loop: activate the policies, run them, and see their effect (docs/policies.md).",
        subcommands: [Activate.self, Run.self, Effect.self])

    struct Activate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record that the policies react to events from now on (or from --from); once per store.")
        @OptionGroup var options: StoreOptions
        @OptionGroup var policy: PolicyOptions
        @Option(help: "The first log position the policies react to (default: the next event appended).") var from: UInt64?

        func run() async throws {
            try await reportingErrors {
                if let from, from == 0 { throw CLIError("--from must be a log position of 1 or more") }
                let (store, state) = try await options.openLog(readOnly: false)
                defer { state?.close(); store.close() }
                let activation = try await policy.runner(store, state: state).activate(fromPosition: from)
                policy.emit(activation) {
                    "policies '\(activation.policy)' (rules v\(activation.rulesVersion)) react to events from position \(activation.fromPosition)"
                }
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decide the reactions due and append those not yet in the log (safe to repeat).")
        @OptionGroup var options: StoreOptions
        @OptionGroup var policy: PolicyOptions
        @Option(help: "Business time to decide at: YYYY-MM-DD (noon UTC) or an ISO 8601 time (default: now).") var at: String?
        @Option(name: .customLong("backfill-from"), help: "Also react to causes from this position on, before the activation.")
        var backfillFrom: UInt64?

        func run() async throws {
            try await reportingErrors {
                let now = try at.map(parseTime) ?? Date()
                let (store, state) = try await options.openLog(readOnly: false)
                defer { state?.close(); store.close() }
                let handler = CommandHandler(store: store, protector: try options.vault(for: store))
                let report = try await policy.runner(store, state: state, handler: handler).run(at: now, backfillFrom: backfillFrom)
                policy.emit(report) { TextReport.policyRun(report) }
            }
        }
    }

    struct Effect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Whether the loop works: retention reactions against suppressed ones, campaign ROI, lead conversion.")
        @OptionGroup var options: StoreOptions
        @OptionGroup var policy: PolicyOptions
        @Option(name: .customLong("as-of"), help: "The business day YYYY-MM-DD to measure on (default: the latest day).")
        var asOf: String?

        func run() async throws {
            try await reportingErrors {
                let day = try asOf.map { text -> CalendarDay in
                    guard let day = CalendarDay(iso: text) else { throw CLIError("--as-of takes a business day YYYY-MM-DD (found '\(text)')") }
                    return day
                }
                let (store, state) = try await options.openLog(readOnly: true)
                defer { state?.close(); store.close() }
                if let day { try refuseAfterLastEvent(day, store: store) }
                let modelRules = try ReportSource.servedRules(in: state, for: store)
                let report = try await policy.runner(store, state: state, modelRules: modelRules).effectReport(asOf: day)
                policy.emit(EffectSummary(report, currency: modelRules.currency.code)) { TextReport.effect(report, currency: modelRules.currency.code) }
            }
        }
    }
}

/// Parses `YYYY-MM-DD` (noon UTC) or an ISO 8601 time.
func parseTime(_ text: String) throws -> Date {
    if let day = CalendarDay(iso: text) { return day.startDate.addingTimeInterval(12 * 3_600) }
    if let date = ISO8601DateFormatter().date(from: text) { return date }
    throw CLIError("--at takes YYYY-MM-DD or an ISO 8601 time like 2026-05-11T09:30:00Z (found '\(text)')")
}
