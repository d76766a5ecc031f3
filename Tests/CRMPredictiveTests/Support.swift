import CRMDomain
import CRMPredictive
import CRMProjections
import CRMEventLog
import CRMEventLogLMDB
import Foundation
import Testing
@_exported import TestSupport

/// A store in a fresh directory with a command handler, closed when the test ends.
final class PredictiveTestStore: @unchecked Sendable {
    let directory = TemporaryDirectory("predictive")
    let store: EventStore
    let handler: CommandHandler

    init() throws {
        store = try EventStore(path: directory.sub("store"))
        handler = CommandHandler(store: store)
    }

    deinit { store.close() }

    /// Runs `command` as of `day` at noon UTC.
    @discardableResult
    func run(_ command: CRMCommand, on day: String) async throws -> AppendResult {
        try await run(command, on: CalendarDay(iso: day)!)
    }

    /// Runs `command` as of `day` at noon UTC.
    @discardableResult
    func run(_ command: CRMCommand, on day: CalendarDay) async throws -> AppendResult {
        let date = day.startDate.addingTimeInterval(12 * 3600)
        return try await handler.execute(command, context: CommandContext(actor: "test", occurredAt: date))
    }
}

func day(_ text: String) -> CalendarDay { CalendarDay(iso: text)! }

/// Fixed ids for readable fixtures: `id(7)` is 00000000-0000-0000-0000-000000000007.
func id<K>(_ number: UInt32, _: K.Type = K.self) -> Identifier<K> {
    let b = withUnsafeBytes(of: number.bigEndian) { Array($0) }
    return Identifier(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, b[0], b[1], b[2], b[3])))
}

/// `actual` is within `percent` % of `expected`.
func within(_ actual: Double, _ expected: Double, percent: Double) -> Bool {
    abs(actual - expected) <= abs(expected) * percent / 100
}

/// One purchase of the CDNOW sample.
struct CDNOWPurchase {
    let customer: Int
    let day: CalendarDay
    let cds: Int
    let cents: Int64
}

/// Reads the CDNOW sample fixture (customer id, index, YYYYMMDD, CDs, dollars).
func cdnowPurchases() throws -> [CDNOWPurchase] {
    let url = try #require(Bundle.module.url(forResource: "CDNOW_sample", withExtension: "txt", subdirectory: "Fixtures"))
    let text = try String(contentsOf: url, encoding: .utf8)
    return try text.split(whereSeparator: \.isNewline).map { line in
        let fields = line.split(separator: " ")
        try #require(fields.count == 5, "bad fixture line \(line)")
        let date = String(fields[2])
        let year = Int(date.prefix(4))!, month = Int(date.dropFirst(4).prefix(2))!, dayOfMonth = Int(date.suffix(2))!
        let dollars = try #require(Decimal(string: String(fields[4])))
        return CDNOWPurchase(customer: Int(fields[1])!, day: try #require(CalendarDay(year: year, month: month, day: dayOfMonth)),
                             cds: Int(fields[3])!, cents: NSDecimalNumber(decimal: dollars * 100).int64Value)
    }
}

/// Imports the CDNOW sample into `store` through the domain commands: one `registerCustomer`
/// per customer on its first purchase day, one `placeOrder` per purchase (product `CD`,
/// quantity = CDs, the dollar value as the order total), each as of its business day. Customers
/// are imported concurrently (the log batches their appends); each customer's orders in order.
func importCDNOW(into store: PredictiveTestStore) async throws -> [CDNOWPurchase] {
    let purchases = try cdnowPurchases()
    let byCustomer = Dictionary(grouping: purchases, by: \.customer)
    try await withThrowingTaskGroup(of: Void.self) { group in
        var running = 0
        for (number, orders) in byCustomer.sorted(by: { $0.key < $1.key }) {
            if running == 64 { try await group.next(); running -= 1 }
            running += 1
            group.addTask {
                let customer: CustomerID = id(UInt32(number))
                let sorted = orders.sorted { $0.day < $1.day }
                try await store.run(.registerCustomer(customer, kind: .person, name: "CDNOW customer \(number)"), on: sorted[0].day)
                for (index, order) in sorted.enumerated() {
                    // The line's unit price is rounded up and the difference is the line's
                    // discount, so the order total is the recorded dollar value to the cent.
                    let unit = (order.cents + Int64(order.cds) - 1) / Int64(order.cds)
                    let discount = unit * Int64(order.cds) - order.cents
                    let line = OrderLine(product: "CD", quantity: order.cds, unitPrice: Money(minorUnits: unit, currency: .usd),
                                         discount: discount > 0 ? Money(minorUnits: discount, currency: .usd) : nil)
                    try await store.run(.placeOrder(id(UInt32(number) << 12 | UInt32(index)), customer: customer, lines: [line], channel: .web),
                                        on: order.day)
                }
            }
        }
        try await group.waitForAll()
    }
    return purchases
}
