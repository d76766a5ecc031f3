import ArgumentParser
import CRMAudit
import CRMDomain
import CRMProjections
import CRMReports
import CRMEventLog
import CRMEventLogPostgres
import Foundation

struct Rebuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild the persisted read models from the whole log, under new rules if given, and show what changed.")
    @OptionGroup var options: StoreOptions
    @Option(help: "A rules JSON file (CRMRules) with a new version.") var rules: String?
    @Flag(help: "Compare old and new rules: every customer's stage, segment and churn risk, every lead score, the last four quarters' KPIs.")
    var diff = false
    @Flag(name: .customLong("dry-run"), help: "With --rules: build and compare in memory, switch nothing (implies --diff).")
    var dryRun = false
    @Option(help: "Changes listed in the text output.") var limit = 50

    func validate() throws {
        if dryRun && rules == nil { throw ValidationError("--dry-run needs --rules FILE (the rules to preview)") }
    }
    @Flag(help: "Print JSON (shape in docs/cli.md).") var json = false
    @Flag(help: "Leave events that cannot be decoded out of the read models and name them on stderr, instead of failing.")
    var skipUndecodable = false

    func run() async throws {
        try await reportingErrors {
            let (store, opened) = try await options.openExisting(readOnly: false)
            defer { store.close(); opened?.close() }
            let state = try options.requireState(opened)
            let newRules = try rules.map { try ReportInput.rules(file: $0, over: try ReportSource.servedRules(in: state, for: store)) }
            var registry = EventRegistry()
            let skipped = UndecodableEvents()
            if skipUndecodable { registry.skippingUndecodable = skipped }
            let report = try await ProgressDisplay.ticking(dryRun ? "rebuilding in memory" : "rebuilding the read models", quiet: options.quiet) {
                try dryRun && newRules != nil
                    ? ReadModelMaintenance.preview(store: store, state: state, rules: newRules!)
                    : ReadModelMaintenance.rebuild(store: store, state: state, rules: newRules, compare: diff, registry: registry)
            }
            for (position, reason) in skipped.skipped {
                FileHandle.standardError.write(Data("crm: skipped the event at position \(position), which cannot be decoded: \(sanitized(reason, limit: 200))\n".utf8))
            }
            if json {
                printJSON(report)
            } else {
                print(TextReport.rebuild(report, limit: limit))
                if diff && !dryRun && !report.compared { print("nothing to compare: the rules did not change (pass --rules with a new version)") }
            }
        }
    }
}

struct Rules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the rules the served read models were built with (before a first build: the rules it will use, in the currency of the first order), as the JSON `crm rebuild --rules` reads.")
    @OptionGroup var options: StoreOptions

    func run() async throws {
        try await reportingErrors {
            let (store, state) = try await options.openExisting(readOnly: true)
            defer { store.close(); state?.close() }
            printJSON(try ReportSource.servedRules(in: state, for: store))
        }
    }
}

struct Forget: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forget a data subject (GDPR Art. 17): destroy its key, so its sealed personal data opens as erased, and record the erasure.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "customer-<uuid>, contact-<uuid>, lead-<uuid> or employee-<uuid> (a bare UUID is a customer).") var subject: String
    @Option(help: "Who asked, recorded as the erasure's actor.") var actor = "data-protection"

    func run() async throws {
        try await reportingErrors {
            guard let parsed = ReportInput.subject(subject) else {
                throw CLIError("bad subject '\(subject)': expected customer-<uuid>, contact-<uuid>, lead-<uuid> or employee-<uuid>")
            }
            guard options.masterKey != nil || options.state != nil || !PostgresLocation.isPostgresURL(options.store) else {
                throw CLIError("a postgres:// store's subject keys open with the master key every instance holds: give --master-key FILE (or --state DIR, beside which it is DIR.master-key)")
            }
            let (store, state) = try await options.openExisting(readOnly: false)
            defer { store.close(); state?.close() }
            guard try store.streamVersion(of: parsed.description) > 0 || isContact(parsed) else {
                throw CLIError("unknown subject \(parsed): the store has no stream \(parsed)")
            }
            guard let vault = try options.vault(for: store, state: state) else {
                throw CLIError("no master key at \(options.masterKeyPath): this store's personal data is not sealed, so it cannot be forgotten by destroying a key")
            }
            // Unknown or already forgotten subjects are typed errors naming the subject; nothing is appended then.
            let position = try await DataProtection.forget(parsed, vault: vault, handler: CommandHandler(store: store, protector: vault),
                                                           context: CommandContext(actor: actor))
            print("forgot \(parsed): key destroyed, erasure recorded at position \(position)")
        }
    }

    /// Contacts live in their account's stream, not a stream of their own.
    private func isContact(_ subject: DataSubject) -> Bool {
        if case .contact = subject { return true }
        return false
    }
}
