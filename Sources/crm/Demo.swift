import ArgumentParser
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
        guard customers > 0 else { throw ValidationError("--customers must be positive") }
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
            let progress = Progress(total: events)
            let started = Date()
            let perCustomer = max(1, events / customers)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        var customer = writer
                        while customer < customers {
                            var generator = HistoryGenerator(customer: customer, seed: seed, events: perCustomer)
                            while let append = generator.next() {
                                let result = try await store.append(append)
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

            print("\nthe timeline of customer-42:")
            for event in try store.events(.stream("customer-42"), limit: 12) {
                let day = ISO8601DateFormatter.string(from: event.occurredAt, timeZone: .gmt, formatOptions: [.withFullDate])
                print("  \(day)  \(event.type.padding(toLength: 22, withPad: " ", startingAt: 0)) \(String(decoding: event.payload, as: UTF8.self))")
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

/// SplitMix64: a small, seedable generator so a seed always gives the same history.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One customer's three years: registration, omnichannel interactions, orders with invoices and
/// payments (order, invoice and customer streams appended atomically), tickets and NPS answers.
struct HistoryGenerator {
    let customer: Int
    let budget: Int
    var produced = 0
    var day: Double
    var rng: SeededGenerator
    var orders = 0
    var tickets = 0
    static let start = Date(timeIntervalSince1970: 1_698_796_800) // 2023-11-01
    static let channels = ["phone", "email", "chat", "whatsapp", "social", "portal", "visit", "meeting", "webinar", "newsletter"]

    init(customer: Int, seed: UInt64, events: Int) {
        self.customer = customer
        self.budget = events
        self.rng = SeededGenerator(state: seed &+ UInt64(customer) &* 0x2545_F491_4F6C_DD1D)
        self.day = 0
        day = Double(rng.next() % 120)
    }

    var stream: String { "customer-\(customer)" }

    func event(_ type: String, _ payload: String) -> NewEvent {
        NewEvent(type: type, occurredAt: Self.start.addingTimeInterval(day * 86_400), actor: "demo", payload: Array(payload.utf8))
    }

    mutating func next() -> [StreamAppend]? {
        guard produced < budget, day < 1_095 else { return nil }
        if produced == 0 {
            produced += 1
            let kind = customer % 4 == 0 ? "B2B" : "B2C"
            return [StreamAppend(stream: stream, expectedVersion: .noStream, events: [
                event("CustomerRegistered", "{\"customer\":\(customer),\"kind\":\"\(kind)\"}"),
            ])]
        }
        day += Double(rng.next() % 9) + 0.5
        let roll = rng.next() % 100
        switch roll {
        case 0..<55:
            produced += 1
            let channel = Self.channels[Int(rng.next() % UInt64(Self.channels.count))]
            let minutes = rng.next() % 45 + 1
            return [StreamAppend(stream: stream, events: [
                event("InteractionLogged", "{\"channel\":\"\(channel)\",\"direction\":\"\(roll % 2 == 0 ? "inbound" : "outbound")\",\"minutes\":\(minutes)}"),
            ])]
        case 55..<80:
            orders += 1
            produced += 4
            let amount = Int(rng.next() % 250_000) + 1_000
            let order = "order-\(customer)x\(orders)"
            let late = rng.next() % 10 == 0
            return [
                StreamAppend(stream: stream, events: [event("OrderPlaced", "{\"order\":\"\(order)\",\"amount\":\(amount),\"currency\":\"EUR\"}")]),
                StreamAppend(stream: order, expectedVersion: .noStream, events: [
                    event("OrderShipped", "{\"carrier\":\"DHL\"}"),
                    event("InvoiceIssued", "{\"amount\":\(amount),\"currency\":\"EUR\",\"dueDays\":30}"),
                    event(late ? "InvoiceOverdue" : "PaymentReceived", "{\"amount\":\(amount),\"currency\":\"EUR\"}"),
                ]),
            ]
        case 80..<92:
            tickets += 1
            produced += 3
            let ticket = "ticket-\(customer)x\(tickets)"
            let priority = ["low", "normal", "high"][Int(rng.next() % 3)]
            return [
                StreamAppend(stream: stream, events: [event("TicketOpened", "{\"ticket\":\"\(ticket)\",\"priority\":\"\(priority)\"}")]),
                StreamAppend(stream: ticket, expectedVersion: .noStream, events: [
                    event("FirstResponseGiven", "{\"hours\":\(rng.next() % 48)}"),
                    event("TicketResolved", "{\"firstContact\":\(rng.next() % 2 == 0)}"),
                ]),
            ]
        default:
            produced += 1
            return [StreamAppend(stream: stream, events: [event("NpsAnswered", "{\"score\":\(rng.next() % 11)}")])]
        }
    }
}
