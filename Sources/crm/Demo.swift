import ArgumentParser
import CRMDomain
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
            var staffRandom = SeededGenerator(state: seed)
            let employees = (0..<24).map { _ in EmployeeID(staffRandom.uuid()) }
            for (index, employee) in employees.enumerated() {
                try await handler.execute(.registerEmployee(employee, name: PersonalText("Mitarbeiter \(index + 1)"),
                                                            role: ["sales", "service", "marketing"][index % 3], team: "Team \(index % 4 + 1)"),
                                          context: HistoryGenerator.context(0))
                try await handler.execute(.completeTraining(employee, course: "CRM Basics", crmTraining: index % 5 != 0),
                                          context: HistoryGenerator.context(Double(index)))
            }
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

/// One customer's three years as commands: registration (B2B accounts with contacts), consent,
/// omnichannel interactions, opportunities won or lost, orders shipped, delivered, invoiced and
/// paid (or overdue), tickets answered and resolved, NPS answers, feedback and cost to serve.
/// Every command goes through the domain rules, so the demo history is valid by construction.
struct HistoryGenerator {
    let customer: Int
    let budget: Int
    let employees: [EmployeeID]
    var produced = 0
    var day: Double
    var rng: SeededGenerator
    var pending: [(CRMCommand, Double)] = []
    let id: CustomerID
    var contacts: [ContactID] = []
    static let start = Date(timeIntervalSince1970: 1_698_796_800) // 2023-11-01
    static let products = ["PR-4000 Presse", "GR-1 Granulat", "SG-3 Spritzguss", "SV-12 Service-Paket", "FO-2 Folie"]
    static let names = ["Müller", "Schmidt", "Nowak", "Yılmaz", "Rossi", "García", "Dubois", "Kowalski", "Jensen", "Novák"]

    init(customer: Int, seed: UInt64, events: Int, employees: [EmployeeID]) {
        self.customer = customer
        self.budget = events
        self.employees = employees
        var rng = SeededGenerator(state: seed &+ UInt64(customer) &* 0x2545_F491_4F6C_DD1D)
        self.id = CustomerID(rng.uuid())
        self.day = Double(rng.next() % 120)
        self.rng = rng
    }

    /// The customer's stream, e.g. for `crm tail`.
    var stream: String { id.stream }

    static func context(_ day: Double) -> CommandContext {
        CommandContext(actor: "demo", occurredAt: start.addingTimeInterval(day * 86_400))
    }

    mutating func pick<T>(_ values: [T]) -> T { values[Int(rng.next() % UInt64(values.count))] }
    mutating func euros(_ range: ClosedRange<Int64>) -> Money {
        Money(minorUnits: (range.lowerBound + Int64(rng.next() % UInt64(range.upperBound - range.lowerBound + 1))) * 100, currency: .eur)
    }
    func calendarDay(_ day: Double) -> CalendarDay { CalendarDay(containing: Self.start.addingTimeInterval(day * 86_400)) }

    /// The next command and its business time, or `nil` when the customer's history is done.
    mutating func next() -> (CRMCommand, CommandContext)? {
        if !pending.isEmpty {
            let (command, at) = pending.removeFirst()
            return (command, Self.context(at))
        }
        guard produced < budget, day < 1_095 else { return nil }
        if produced == 0 { plan(registration: ()) } else { plan() }
        return next()
    }

    mutating func schedule(_ command: CRMCommand, after days: Double = 0) {
        pending.append((command, day + days))
        produced += 1
    }

    mutating func plan(registration: ()) {
        let name = pick(Self.names)
        if customer % 4 == 0 {
            schedule(.registerCustomer(id, kind: .account, name: PersonalText("\(name) Kunststoff GmbH"), email: "info@\(customer).example",
                                       industry: pick(["plastics", "machine building", "packaging"]),
                                       employeeCount: Int(rng.next() % 2_000) + 20, country: "DE"))
            for role in [BuyingRole.decisionMaker, .technicalBuyer] {
                let contact = ContactID(rng.uuid())
                contacts.append(contact)
                schedule(.addContact(id, contact: contact, name: PersonalText("\(pick(["Anna", "Jonas", "Lena", "Paul"])) \(pick(Self.names))"),
                                     role: role))
            }
            schedule(.assignAccountManager(id, employee: pick(employees)))
        } else {
            schedule(.registerCustomer(id, kind: .person, name: PersonalText("\(pick(["Eva", "Ali", "Mia", "Noah"])) \(name)"),
                                       email: "kunde\(customer)@example.org", country: pick(["DE", "AT", "CH"])))
        }
        schedule(.giveConsent(id, purpose: .newsletter, channel: .email, source: "web form double opt-in"))
    }

    mutating func plan() {
        day += Double(rng.next() % 9) + 0.5
        let roll = rng.next() % 100
        switch roll {
        case 0..<50:
            let channel = pick(Channel.allCases)
            schedule(.recordInteraction(InteractionID(rng.uuid()), customer: id, channel: channel, direction: roll % 2 == 0 ? .inbound : .outbound,
                                        employee: channel == .portal || channel == .newsletter ? nil : pick(employees),
                                        contact: contacts.isEmpty ? nil : pick(contacts), durationSeconds: Int(rng.next() % 2_700),
                                        subject: pick(["Angebot", "Liefertermin", "Rechnung", "Reklamation", "Beratung"])))
        case 50..<70:
            let order = OrderID(rng.uuid()), invoice = InvoiceID(rng.uuid())
            let lines = (0...(rng.next() % 3)).map { _ in
                OrderLine(product: pick(Self.products), quantity: Int(rng.next() % 5) + 1, unitPrice: euros(10...2_500))
            }
            let total = lines.reduce(Int64(0)) { $0 + $1.netAmount! }
            schedule(.placeOrder(order, customer: id, lines: lines, channel: pick([.web, .portal, .phone, .email])))
            schedule(.shipOrder(order, carrier: pick(["DHL", "DB Schenker", "UPS"])), after: 1)
            schedule(.deliverOrder(order), after: 3)
            schedule(.issueInvoice(invoice, customer: id, order: order, amount: Money(minorUnits: total, currency: .eur),
                                   dueOn: calendarDay(day + 31)), after: 1)
            if rng.next() % 10 == 0 {
                schedule(.markInvoiceOverdue(invoice), after: 33)
                schedule(.recordPayment(invoice, amount: Money(minorUnits: total, currency: .eur), method: .bankTransfer), after: 45)
            } else {
                schedule(.recordPayment(invoice, amount: Money(minorUnits: total, currency: .eur), method: pick([.bankTransfer, .directDebit, .card])),
                         after: Double(rng.next() % 28) + 2)
            }
        case 70..<82:
            let ticket = TicketID(rng.uuid())
            let agent = pick(employees)
            schedule(.openTicket(ticket, customer: id, channel: pick([.phone, .email, .chat, .whatsApp, .portal]),
                                 priority: pick(TicketPriority.allCases), category: pick(["delivery", "billing", "technical"]),
                                 subject: "Anfrage \(produced)", slaPolicy: "standard", firstResponseTargetMinutes: 120,
                                 resolutionTargetMinutes: 2_880))
            schedule(.assignTicket(ticket, to: agent))
            schedule(.respondToTicket(ticket, by: agent, channel: .email), after: Double(rng.next() % 300) / 1_440)
            schedule(.resolveTicket(ticket, firstContactResolution: rng.next() % 3 != 0), after: Double(rng.next() % 4) + 0.5)
            schedule(.closeTicket(ticket), after: 5)
        case 82..<90:
            let opportunity = OpportunityID(rng.uuid())
            let amount = euros(1_000...80_000)
            schedule(.openOpportunity(opportunity, customer: id, title: "Projekt \(produced)", expectedRevenue: amount,
                                      expectedCloseOn: calendarDay(day + 60), probability: 20, product: pick(Self.products),
                                      owner: pick(employees), stage: .qualification))
            schedule(.moveOpportunity(opportunity, to: .proposal), after: 10)
            if rng.next() % 3 == 0 {
                schedule(.loseOpportunity(opportunity, reason: pick(["price", "timing", "product fit"]), competitor: pick(["PolyCorp", "Plastix"])),
                         after: 40)
            } else {
                schedule(.winOpportunity(opportunity, amount: amount), after: 40)
            }
        case 90..<95:
            schedule(.answerNPS(id, score: Int(rng.next() % 11)))
        case 95..<98:
            schedule(.receiveFeedback(id, kind: pick(FeedbackKind.allCases), channel: pick([.email, .portal, .phone]),
                                      text: PersonalText(pick(["Lieferung zu spät", "Sehr freundlich", "Bitte Rechnung als PDF"]))))
        default:
            schedule(.bookCostToServe(id, activity: pick([.service, .visit, .delivery, .discount]), amount: euros(20...900)))
        }
    }
}

extension SeededGenerator {
    /// A UUID from the generator, so the same seed gives the same ids.
    mutating func uuid() -> UUID {
        let a = next(), b = next()
        var bytes = (UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0),
                     UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0))
        withUnsafeMutableBytes(of: &bytes) { raw in
            raw.storeBytes(of: a, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: b, toByteOffset: 8, as: UInt64.self)
            raw[6] = raw[6] & 0x0F | 0x40
            raw[8] = raw[8] & 0x3F | 0x80
        }
        return UUID(uuid: bytes)
    }
}
