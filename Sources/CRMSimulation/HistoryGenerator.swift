import CRMDomain
import Foundation

/// SplitMix64: a small, seedable generator, so a seed always gives the same history.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    /// The generator's state; the seed.
    public var state: UInt64

    /// A generator starting at `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
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
/// Every command goes through the domain rules, so the history is valid by construction.
///
/// Used by `crm demo`, the tests and the benchmarks; the same seed gives the same history.
public struct HistoryGenerator: Sendable {
    let customer: Int
    let budget: Int
    let employees: [EmployeeID]
    var produced = 0
    var day: Double
    var rng: SeededGenerator
    var pending: [(CRMCommand, Double)] = []
    /// The customer this generator writes the history of.
    public let id: CustomerID
    var contacts: [ContactID] = []
    /// Day 0 of every history: 2023-11-01.
    public static let start = Date(timeIntervalSince1970: 1_698_796_800) // 2023-11-01
    static let products = ["PR-4000 Presse", "GR-1 Granulat", "SG-3 Spritzguss", "SV-12 Service-Paket", "FO-2 Folie"]
    static let names = ["Müller", "Schmidt", "Nowak", "Yılmaz", "Rossi", "García", "Dubois", "Kowalski", "Jensen", "Novák"]

    /// A generator for customer number `customer` (0, 1, 2 …) of the history `seed`, making
    /// about `events` events over up to three years; `employees` do the work.
    public init(customer: Int, seed: UInt64, events: Int, employees: [EmployeeID]) {
        self.customer = customer
        self.budget = events
        self.employees = employees
        var rng = SeededGenerator(seed: seed &+ UInt64(customer) &* 0x2545_F491_4F6C_DD1D)
        self.id = CustomerID(rng.uuid())
        self.day = Double(rng.next() % 120)
        self.rng = rng
    }

    /// The customer's stream.
    public var stream: String { id.stream }

    /// The context of a command on `day` (days after ``start``), by actor `demo`.
    public static func context(_ day: Double) -> CommandContext {
        CommandContext(actor: "demo", occurredAt: start.addingTimeInterval(day * 86_400))
    }

    mutating func pick<T>(_ values: [T]) -> T { values[Int(rng.next() % UInt64(values.count))] }
    mutating func euros(_ range: ClosedRange<Int64>) -> Money {
        Money(minorUnits: (range.lowerBound + Int64(rng.next() % UInt64(range.upperBound - range.lowerBound + 1))) * 100, currency: .eur)
    }
    func calendarDay(_ day: Double) -> CalendarDay { CalendarDay(containing: Self.start.addingTimeInterval(day * 86_400)) }

    /// The next command and its context, or `nil` when the customer's history is done.
    public mutating func next() -> (CRMCommand, CommandContext)? {
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
                                       phone: "+49 40 \(200_000 + customer)", address: "Industriestr. \(customer % 90 + 1), Hamburg",
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
            let complete = rng.next() % 10 < 7
            schedule(.registerCustomer(id, kind: .person, name: PersonalText("\(pick(["Eva", "Ali", "Mia", "Noah"])) \(name)"),
                                       email: "kunde\(customer)@example.org", phone: complete ? "+49 30 \(100_000 + customer)" : nil,
                                       address: complete ? "Musterweg \(customer % 200 + 1), Berlin" : nil, country: pick(["DE", "AT", "CH"])))
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
            let outcome = rng.next() % 6
            if outcome == 0 {
                // Still open: negotiating.
                schedule(.moveOpportunity(opportunity, to: .negotiation), after: 20)
            } else if outcome < 3 {
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
    public mutating func uuid() -> UUID {
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

/// The staff of a simulated company: employees registered and trained on day 0.
public enum SimulatedStaff {
    /// `count` employees of history `seed`, and the commands that register and train them
    /// (four in five take the CRM training).
    public static func make(seed: UInt64, count: Int = 24) -> (employees: [EmployeeID], commands: [(CRMCommand, CommandContext)]) {
        var random = SeededGenerator(seed: seed)
        let employees = (0..<count).map { _ in EmployeeID(random.uuid()) }
        var commands: [(CRMCommand, CommandContext)] = []
        for (index, employee) in employees.enumerated() {
            commands.append((.registerEmployee(employee, name: PersonalText("Mitarbeiter \(index + 1)"),
                                               role: ["sales", "service", "marketing"][index % 3], team: "Team \(index % 4 + 1)"),
                             HistoryGenerator.context(0)))
            commands.append((.completeTraining(employee, course: "CRM Basics", crmTraining: index % 5 != 0),
                             HistoryGenerator.context(Double(index))))
            for quarter in 0..<12 {
                commands.append((.answerEmployeeSurvey(employee, satisfaction: Int(random.next() % 3) + 3,
                                                       crmSatisfaction: Int(random.next() % 5) + 1),
                                 HistoryGenerator.context(Double(quarter * 91 + 45))))
            }
        }
        return (employees, commands)
    }
}
