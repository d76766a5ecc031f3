import ArgumentParser
import CRMAudit
import CRMDomain
import CRMProjections
import CRMReports
import CRMEventLog
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

    func run() async throws {
        try await reportingErrors {
            let store = try options.openWritable()
            defer { store.close() }
            let state = try StateStore(environment: store.environment)
            let newRules = try rules.map { try ReportInput.rules(file: $0, over: try ReportSource.servedRules(in: state)) }
            let report = try dryRun && newRules != nil
                ? ReadModelMaintenance.preview(store: store, state: state, rules: newRules!)
                : ReadModelMaintenance.rebuild(store: store, state: state, rules: newRules, compare: diff)
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
        abstract: "Print the rules the served read models were built with, as the JSON `crm rebuild --rules` reads.")
    @OptionGroup var options: StoreOptions

    func run() async throws {
        try await reportingErrors {
            let store = try options.openReadOnly()
            defer { store.close() }
            guard let active = try StoredGeneration.active(CRMReadModels.self, in: StateStore(environment: store.environment)) else {
                throw CLIError("no read models were built in \(options.store) (run `crm rebuild`)")
            }
            printJSON(active.rules)
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
            let store = try options.openWritable()
            defer { store.close() }
            guard try store.streamVersion(of: parsed.description) > 0 || isContact(parsed) else {
                throw CLIError("unknown subject \(parsed): the store has no stream \(parsed)")
            }
            guard FileManager.default.fileExists(atPath: options.masterKeyPath) else {
                throw CLIError("no master key at \(options.masterKeyPath): this store's personal data is not sealed, so it cannot be forgotten by destroying a key")
            }
            let vault = try KeyVault(state: StateStore(environment: store.environment), masterKeys: FileMasterKeyStore(path: options.masterKeyPath))
            let hadKey = try vault.hasKey(for: parsed)
            let position = try await DataProtection.forget(parsed, vault: vault, handler: CommandHandler(store: store, protector: vault),
                                                           context: CommandContext(actor: actor))
            print(hadKey ? "forgot \(parsed): key destroyed, erasure recorded at position \(position)"
                         : "forgot \(parsed): it had no key (nothing sealed or already forgotten), erasure recorded at position \(position)")
        }
    }

    /// Contacts live in their account's stream, not a stream of their own.
    private func isContact(_ subject: DataSubject) -> Bool {
        if case .contact = subject { return true }
        return false
    }
}
