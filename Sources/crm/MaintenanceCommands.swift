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
            let store = try options.openWritable()
            defer { store.close() }
            let state = StateStore(environment: store.environment)
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
            let store = try options.openReadOnly()
            defer { store.close() }
            printJSON(try ReportSource.servedRules(in: StateStore(environment: store.environment), for: store))
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
            let (store, state) = try await openLogAndKeys()
            defer { store.close() }
            guard try store.streamVersion(of: parsed.description) > 0 || isContact(parsed) else {
                throw CLIError("unknown subject \(parsed): the store has no stream \(parsed)")
            }
            guard FileManager.default.fileExists(atPath: options.masterKeyPath) else {
                throw CLIError("no master key at \(options.masterKeyPath): this store's personal data is not sealed, so it cannot be forgotten by destroying a key")
            }
            let vault = try KeyVault(state: state, masterKeys: FileMasterKeyStore(path: options.masterKeyPath))
            // Unknown or already forgotten subjects are typed errors naming the subject; nothing is appended then.
            let position = try await DataProtection.forget(parsed, vault: vault, handler: CommandHandler(store: store, protector: vault),
                                                           context: CommandContext(actor: actor))
            print("forgot \(parsed): key destroyed, erasure recorded at position \(position)")
        }
    }

    /// The log, writable, and the state store holding its subject keys: an LMDB store's own
    /// environment, or for a `postgres://` log the instance's `--state` directory.
    private func openLogAndKeys() async throws -> (any EventLogStore, StateStore) {
        guard PostgresLocation.isPostgresURL(options.store) else {
            let store = try options.openWritable()
            return (store, StateStore(environment: store.environment))
        }
        guard options.state != nil else {
            throw CLIError("a postgres:// store keeps its subject keys in the instance's state directory: give --state DIR")
        }
        let (log, state) = try await options.openLog(readOnly: false)
        guard let state else {
            log.close()
            throw CLIError("no state directory for \(describeStore(options.store))")
        }
        return (log, state)
    }

    /// Contacts live in their account's stream, not a stream of their own.
    private func isContact(_ subject: DataSubject) -> Bool {
        if case .contact = subject { return true }
        return false
    }
}
