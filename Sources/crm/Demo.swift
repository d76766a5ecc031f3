import ArgumentParser
import CRMDomain
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
