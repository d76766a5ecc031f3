import ArgumentParser
import CRMAudit
import CRMDomain
import CRMPolicies
import CRMProjections
import CRMReports
import CRMSimulation
import CRMEventLog
import CRMEventLogLMDB
import CRMEventLogPostgres
import Foundation

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a seeded CRM history (or reuse the store), build the read models, print the reports and write the HTML report.",
        discussion: "A store that already exists is reused: nothing is generated again unless --reset is given.")
    @OptionGroup var options: StoreOptions
    @Option(help: "Customers to generate.") var customers = 5_000
    @Option(help: "Events to generate (about); by default the calibrated activity, about 70 per customer.") var events: Int?
    @Option(help: "Random seed; the same seed gives the same history.") var seed: UInt64 = 2026
    @Option(help: "Concurrent writers appending at once (each a simulated user sending commands).") var writers = 256
    @Option(help: "The HTML report to write.") var report = "report.html"
    @Flag(help: "Delete an existing store (its backup and master key) and generate a new history; refused when --store is not a store.") var reset = false

    func validate() throws {
        guard customers > 0 && customers <= 10_000_000 else { throw ValidationError("--customers must be between 1 and 10000000") }
        if let events {
            guard events >= customers && events <= 100_000_000 else { throw ValidationError("--events must be at least --customers and at most 100000000") }
        }
        guard writers > 0 && writers <= 256 else { throw ValidationError("--writers must be between 1 and 256") }
    }

    func run() async throws {
        try await reportingErrors {
            guard !PostgresLocation.isPostgresURL(options.store) else {
                // The demo writes its history, hot backup and report into one local store.
                throw CLIError("crm demo builds an LMDB store directory; for a PostgreSQL demo run `crm demo --store DIR`, then `crm migrate --from DIR --to \(describeStore(options.store))`")
            }
            let backupDirectory = options.store + "-backup"
            let generate = reset || !options.exists
            try OutputFile.check(report, options: options, what: "the HTML report")
            // Only a store is reused or (with --reset) deleted; anything else is refused untouched.
            try DemoTarget.prepare(store: options.store, backup: backupDirectory, masterKey: options.masterKeyPath, reset: reset)
            let store = try EventStore(path: options.store)
            defer { store.close() }
            if generate {
                try await self.generate(into: store)
                let verifyStart = Date()
                let report = try await store.verify()
                guard report.isIntact else { throw CLIError("verification failed: \(report.problem.map { "\($0)" } ?? "unknown")") }
                print("verified \(report.head) records (hash chain and indexes) in \(seconds(since: verifyStart)) s; "
                    + "head anchor \(HeadAnchor(position: report.head, hash: report.headHash))")
                let backup = try await store.backup(to: backupDirectory)
                print("backup verified in \(backup.directory): \(backup.head) events, \(backup.bytes / 1_048_576) MiB")
            } else {
                print("using the existing store at \(options.store) (\(try store.head()) events); `crm demo --reset` generates a new history")
            }

            // The closed loop: the policies decide what is due on the history's last business day
            // and append it through the commands (a second demo finds it all in the log already);
            // then the read models fold everything, reactions included.
            let loopStart = Date()
            let handler = CommandHandler(store: store, protector: try options.vault(for: store))
            let runner = try PolicyRunner(store: store, handler: handler, readModelRules: try ReportSource.servedRules(in: StateStore(environment: store.environment), for: store))
            if try await runner.activation() == nil { try await runner.activate(at: HistoryGenerator.start) }
            let lastDay = try await runner.latestBusinessDay()
            let loopRun = try await runner.run(at: lastDay.startDate.addingTimeInterval(18 * 3_600))
            let lists = try await runner.workLists(on: lastDay)
            let effect = try await runner.effectReport(asOf: lastDay)
            print("\n" + TextReport.policyRun(loopRun) + " (\(seconds(since: loopStart)) s)")
            print("\n" + TextReport.workLists(lists, limit: 5))

            let started = Date()
            let built = try ReadModelMaintenance.catchUp(store: store, state: StateStore(environment: store.environment))
            print("read models \(built.generation) (rules v\(built.rulesVersion)) up to date: folded \(built.folded) events in \(seconds(since: started)) s")

            let source = try ReportSource.load(store: store, state: StateStore(environment: store.environment), protector: try options.vault(for: store))
            let html = HTMLReport(source, title: "CRMKit demo report", closedLoop: ClosedLoopPart(effect: effect, lists: lists, currency: source.models.rules.currency.code))
            print("\n" + TextReport.pipeline(html.pipeline))
            print("\n" + TextReport.scorecard(html.scorecard))
            print("\n" + TextReport.lifecycle(html.lifecycle))
            print("\n" + TextReport.journey(html.journey))
            print("\n" + TextReport.attribution(html.attribution, limit: 5))
            if let top = html.value.topCustomer.flatMap(CustomerID.init) {
                print("\n(the customer with the highest CLV)\n" + TextReport.customer360(try Customer360Report(source, customer: top)))
            }
            try write(html, to: report, options: options)
            print("\nwrote the HTML report to \(report)")
            print("next: crm customer ID · crm journey --customer ID · crm attribution --model dataDriven · crm scorecard --period \(html.scorecard.period) · crm stats (see docs/cli.md)")
        }
    }

    /// Appends the simulated market (docs/simulation.md) week by week through the domain
    /// commands, personal data sealed with the store's master key, `writers` customers at once,
    /// with the closed loop running after every week.
    private func generate(into store: EventStore) async throws {
        let vault = try KeyVault(state: StateStore(environment: store.environment), masterKeys: FileMasterKeyStore(path: options.masterKeyPath))
        let handler = CommandHandler(store: store, protector: vault)
        let parameters = events.map { MarketParameters(customers: customers, events: $0, seed: seed) }
            ?? MarketParameters(customers: customers, seed: seed)
        let progress = ProgressDisplay(total: MarketSimulation(parameters: parameters).weeks, label: "simulating weeks", quiet: options.quiet)
        let started = Date()
        let summary = try await DemoWorld.generate(into: store, handler: handler, parameters: parameters,
                                                   readModelRules: try ReportSource.servedRules(in: StateStore(environment: store.environment), for: store),
                                                   writers: writers) { done, _ in progress.set(done) }
        progress.finish()
        let elapsed = Date().timeIntervalSince(started)
        let stats = store.statistics
        print("appended \(stats.eventsAppended) events for \(summary.customers) customers over \(summary.loopRuns) weeks in "
            + "\(String(format: "%.1f", elapsed)) s (\(Int(Double(stats.eventsAppended) / max(elapsed, 0.001))) events/s, durable; "
            + "personal data sealed, key in \(options.masterKeyPath))")
        let loopSeconds = Double(summary.closedLoopTime.components.seconds) + Double(summary.closedLoopTime.components.attoseconds) / 1e18
        print("closed loop ran weekly: \(summary.reactions) reactions, \(summary.suppressed) suppressed for want of consent, "
            + "\(summary.tasksCompleted) of its tasks completed by the staff"
            + (summary.refused == 0 ? "" : "; \(summary.refused) simulated commands refused by the domain rules"
                + (summary.refusals.first.map { " (first: \($0))" } ?? ""))
            + "; deciding and appending them took \(String(format: "%.1f", loopSeconds)) s of the \(String(format: "%.1f", elapsed)) s")
        print("group commit: \(stats.appendCalls) appends from \(writers) writers in \(stats.writeTransactions) synced transactions")
    }
}

func seconds(since start: Date) -> String { String(format: "%.1f", Date().timeIntervalSince(start)) }

