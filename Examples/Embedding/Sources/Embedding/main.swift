import CRMDomain
import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation

// The store: one directory, opened once per process. A real program keeps one path; this one
// takes it as its argument or uses a fresh temporary directory.
let temporary = CommandLine.arguments.count < 2
let path = temporary
    ? FileManager.default.temporaryDirectory.appendingPathComponent("crmkit-embedding-\(UUID().uuidString)").path
    : CommandLine.arguments[1]
let store = try EventStore(path: path)
defer {
    store.close()
    if temporary { try? FileManager.default.removeItem(atPath: path) }
}

// Commands are checked against the domain rules; a rejected one appends nothing.
let crm = CommandHandler(store: store)
// The read models, persisted beside the log (state and checkpoint in one transaction).
let projector = try Projector<CRMReadModels>(store: store, state: StateStore(environment: store.environment))
try projector.catchUp()
try projector.activate()

/// Business time: when the fact happened, here on fixed days of March 2026.
func on(_ day: Int, _ hour: Int = 9) -> CommandContext {
    var components = DateComponents(timeZone: TimeZone(identifier: "UTC"), year: 2026, month: 3, day: day, hour: hour)
    components.calendar = Calendar(identifier: .gregorian)
    return CommandContext(actor: "user:anna", occurredAt: components.date!)
}

let anna = EmployeeID.new(), customer = CustomerID.new()
let order = OrderID.new(), invoice = InvoiceID.new(), ticket = TicketID.new()
let eur = { (minorUnits: Int64) in Money(minorUnits: minorUnits, currency: .eur) }

try await crm.execute(.registerEmployee(anna, name: "Anna Roth", role: "service"), context: on(1))
try await crm.execute(.registerCustomer(customer, kind: .person, name: "Jana Nowak", email: "jana@example.org", country: "PL"),
                      context: on(2))

// A sale: the order, its invoice, and a first payment.
try await crm.execute(.placeOrder(order, customer: customer, lines: [
    OrderLine(product: "SG-3 Spritzguss", quantity: 2, unitPrice: eur(62_500)),
], channel: .web), context: on(3))
try await crm.execute(.issueInvoice(invoice, customer: customer, order: order, amount: eur(125_000),
                                    dueOn: CalendarDay(year: 2026, month: 4, day: 2)!), context: on(3))
try await crm.execute(.recordPayment(invoice, amount: eur(100_000), method: .card), context: on(4))

// A ticket, answered within its SLA.
try await crm.execute(.openTicket(ticket, customer: customer, channel: .email, priority: .high, category: "delivery",
                                  subject: "Lieferung unvollständig", slaPolicy: "standard",
                                  firstResponseTargetMinutes: 60, resolutionTargetMinutes: 480), context: on(5, 10))
try await crm.execute(.respondToTicket(ticket, by: anna, channel: .phone), context: on(5, 10))

// The domain rules at work: paying more than is open is refused, and nothing is appended.
do {
    try await crm.execute(.recordPayment(invoice, amount: eur(50_000), method: .card), context: on(6))
} catch let error as DomainRuleError {
    print("rejected (\(error.rule)): \(error)")
}

// Fold what was appended into the read models, then read one customer on one page.
try projector.catchUp()
guard let view = projector.read({ $0.customer360(customer) }) else {
    fatalError("customer \(customer) is missing from the read models")
}
let record = view.record
print("""
    Customer 360 of \(record.name) (\(record.kind.name), \(record.country ?? "-"))
      id             \(view.id)
      registered     \(record.registeredOn)
      stage          \(view.stage.map { "\($0)" } ?? "-")
      segment        \(view.segment.rawValue)
      churn risk     \(view.churnRisk.level.rawValue) (score \(view.churnRisk.score))
      open balance   \(view.openBalance) (overdue \(view.overdueBalance))
    """)
for entry in record.orders {
    print("  order          \(entry.placedOn) \(entry.total) \(entry.status)")
}
for (entry, sla) in zip(record.tickets, view.ticketSLA) {
    print("  ticket         \(entry.priority.name) \(entry.category) \(entry.status), first response \(sla.firstResponse.rawValue)")
}
print("log head         \(try store.head()) events")
