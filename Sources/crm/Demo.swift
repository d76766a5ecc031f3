import ArgumentParser
import CRMDomain
import CRMProjections
import CRMSimulation
import EventLog
import Foundation

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a seeded CRM history, append it durably through group commit, verify it and back it up.")
    @OptionGroup var options: StoreOptions
    @Option(help: "Customers to generate.") var customers = 5_000
    @Option(help: "Events to generate (about).") var events = 500_000
    @Option(help: "Random seed; the same seed gives the same history.") var seed: UInt64 = 2026
    @Option(help: "Concurrent writers appending at once.") var writers = 64
    @Flag(help: "Delete an existing store at --store first.") var reset = false

    func validate() throws {
        guard customers > 0 && customers <= 10_000_000 else { throw ValidationError("--customers must be positive") }
        guard events >= customers else { throw ValidationError("--events must be at least --customers") }
        guard writers > 0 && writers <= 256 else { throw ValidationError("--writers must be between 1 and 256") }
    }

    func run() async throws {
        try await reportingErrors {
            let files = FileManager.default
            if files.fileExists(atPath: options.store + "/data.mdb") {
                guard reset else { throw CLIError("a store already exists at \(options.store); pass --reset to replace it or --store to choose another") }
                try files.removeItem(atPath: options.store)
            }
            let store = try EventStore(path: options.store)
            defer { store.close() }
            let handler = CommandHandler(store: store)
            let progress = Progress(total: events)
            let started = Date()
            let perCustomer = max(1, events / customers)
            let (employees, staffing) = SimulatedStaff.make(seed: seed)
            for (command, context) in staffing { try await handler.execute(command, context: context) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        var customer = writer
                        while customer < customers {
                            var generator = HistoryGenerator(customer: customer, seed: seed, events: perCustomer, employees: employees)
                            while let (command, context) = generator.next() {
                                let result = try await handler.execute(command, context: context)
                                progress.advance(by: result.events.count)
                            }
                            customer += writers
                        }
                    }
                }
                try await group.waitForAll()
            }
            progress.finish()
            let elapsed = Date().timeIntervalSince(started)
            let stats = store.statistics
            print("appended \(stats.eventsAppended) events for \(customers) customers in \(String(format: "%.1f", elapsed)) s "
                + "(\(Int(Double(stats.eventsAppended) / elapsed)) events/s, durable)")
            print("group commit: \(stats.appendCalls) appends from \(writers) writers in \(stats.writeTransactions) synced transactions")

            let verifyStart = Date()
            let report = try await store.verify()
            guard report.isIntact else { throw CLIError("verification failed: \(report.problem!)") }
            print("verified \(report.head) records (hash chain and indexes) in \(String(format: "%.1f", Date().timeIntervalSince(verifyStart))) s")
            print("head anchor: \(HeadAnchor(position: report.head, hash: report.headHash))")

            let backupDirectory = options.store + "-backup"
            if files.fileExists(atPath: backupDirectory) { try files.removeItem(atPath: backupDirectory) }
            let backup = try await store.backup(to: backupDirectory)
            print("backup verified in \(backup.directory): \(backup.head) events, \(backup.bytes / 1_048_576) MiB")

            let shown = HistoryGenerator(customer: 42 % customers, seed: seed, events: perCustomer, employees: employees)
            print("\nthe timeline of customer \(shown.stream) (first 12 events):")
            let registry = EventRegistry()
            for event in try store.events(.stream(shown.stream), limit: 12) {
                let day = CalendarDay(containing: event.occurredAt)
                let summary = (try? registry.decode(event).summary) ?? "undecodable"
                print("  \(day)  \(event.type.padding(toLength: 22, withPad: " ", startingAt: 0)) \(summary.prefix(100))")
            }
            try showReadModels(store: store, customer: shown.id)
            print("\nnext: crm stats · crm verify --anchor \(HeadAnchor(position: report.head, hash: report.headHash)) · crm tail")
        }
    }
}

/// Prints a progress bar on a terminal; silent when output is redirected.
final class Progress: @unchecked Sendable {
    private let total: Int
    private let lock = NSLock()
    private var done = 0
    private var shownPercent = -1
    private let enabled = isatty(STDERR_FILENO) == 1

    init(total: Int) { self.total = max(total, 1) }

    func advance(by count: Int) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        done += count
        let percent = min(100, done * 100 / total)
        guard percent != shownPercent else { return }
        shownPercent = percent
        let bar = String(repeating: "█", count: percent / 4) + String(repeating: "·", count: 25 - percent / 4)
        FileHandle.standardError.write(Data("\r  appending \(bar) \(percent)%".utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

/// Rebuilds the four read models from the log and prints what they show.
func showReadModels(store: EventStore, customer: CustomerID) throws {
    let started = Date()
    // Thresholds for the demo's order sizes (the defaults suit smaller baskets).
    var rules = CRMRules.standard
    rules.lifecycle.growingMinRevenue = 500_000
    rules.lifecycle.starMinOrders = 8
    rules.lifecycle.starMinRevenue = 4_000_000
    let models = try ProjectionEngine.rebuild(CRMReadModels.self, store: store, rules: rules)
    let head = try store.head()
    let elapsed = Date().timeIntervalSince(started)
    print("\nread models rebuilt from \(head) events in \(String(format: "%.1f", elapsed)) s "
        + "(\(Int(Double(head) / max(elapsed, 0.001))) events/s): customer 360, pipeline, lifecycle, scorecard")

    let day = models.lifecycle.latestDay ?? CalendarDay(containing: Date())
    if let view = models.customer360(customer, asOf: day) {
        let record = view.record
        print("\ncustomer 360 of \(record.name) on \(day):")
        print("  stage \(view.stage.map { "\($0) (\($0.germanName))" } ?? "—"), segment \(view.segment.rawValue), "
            + "churn risk \(view.churnRisk.level.rawValue) (\(view.churnRisk.score)), CLV \(Money(minorUnits: view.clv, currency: models.rules.currency))")
        print("  \(record.orderCount) orders, last \(record.lastOrderOn.map { "\($0)" } ?? "—"); open balance \(view.openBalance), "
            + "overdue \(view.overdueBalance); \(record.tickets.count) recent tickets; NPS \(record.nps.map(String.init) ?? "—")")
        let history = view.stageHistory.map { "\($0.day) \($0.to) (\($0.rule))" }.joined(separator: " → ")
        print("  lifecycle: \(history)")
    }

    let counts = models.lifecycle.counts(asOf: day)
    print("\nlifecycle stages on \(day): " + LifecycleStage.allCases.map { "\($0.germanName) \(counts[$0] ?? 0)" }.joined(separator: ", "))

    let pipeline = models.pipeline.summary()
    print("pipeline: \(pipeline.open.count) open, \(pipeline.open.amount), weighted \(pipeline.open.weightedAmount); "
        + "win rate \(pipeline.winRate.map { String(format: "%.1f %%", $0 * 100) } ?? "—"), "
        + "top lost reason \(pipeline.lostReasons.first.map { "\($0.name) (\($0.count))" } ?? "—")")

    let (year, month, _) = day.parts
    let quarter = (month - 1) / 3 + 1
    let period: Period = quarter == 1 ? .quarter(year: year - 1, quarter: 4) : .quarter(year: year, quarter: quarter - 1)
    let report = models.scorecard(period)
    print("\nbalanced scorecard \(period):")
    for perspective in Perspective.allCases {
        let line = report.kpis(of: perspective).map { kpi in
            let value = kpi.value.map { abs($0) >= 1_000 ? String(format: "%.0f", $0) : String(format: "%.2f", $0) } ?? "—"
            return "\(kpi.name) \(value) [\(kpi.status.rawValue)]"
        }.joined(separator: ", ")
        print("  \(perspective.rawValue): \(line)")
    }
}
