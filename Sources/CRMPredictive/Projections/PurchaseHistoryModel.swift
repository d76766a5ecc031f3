import CRMDomain
import CRMProjections
import Foundation

/// One customer's purchase occasions: per UTC business day with an order, the day's order
/// value and order count (orders on one day are one occasion), in day order.
public struct CustomerPurchases: RecordMessage, Hashable {
    /// The customer.
    public var customer = CustomerID(UUID.allZero)
    /// The days with at least one standing order, ascending.
    public var days: [CalendarDay] = []
    /// Net value of the day's orders (minor units of the rules' currency, after returns).
    public var amounts: [Int] = []
    /// Number of standing orders on the day.
    public var orders: [Int] = []

    /// An empty record.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "customer", &customer)
        try v.repeated(2, "days", &days)
        try v.repeated(3, "amounts", &amounts)
        try v.repeated(4, "orders", &orders)
    }

    /// Adds `count` orders worth `amount` on `day`.
    mutating func add(day: CalendarDay, amount: Int, count: Int) {
        // Orders arrive mostly in day order: look from the end.
        var index = days.count
        while index > 0, days[index - 1] > day { index -= 1 }
        if index > 0, days[index - 1] == day {
            amounts[index - 1] += amount
            orders[index - 1] += count
        } else {
            days.insert(day, at: index)
            amounts.insert(amount, at: index)
            orders.insert(count, at: index)
        }
    }

    /// Takes `count` orders worth `amount` off `day`; the day goes when no order is left.
    mutating func remove(day: CalendarDay, amount: Int, count: Int) {
        guard let index = days.lastIndex(of: day) else { return }
        amounts[index] -= amount
        orders[index] -= count
        if orders[index] <= 0 {
            days.remove(at: index)
            amounts.remove(at: index)
            orders.remove(at: index)
        }
    }
}

/// What the purchase model remembers of one order, to undo it on cancellation or return.
public struct OrderReference: RecordMessage, Hashable {
    /// The ordering customer (the survivor after a merge).
    public var customer = CustomerID(UUID.allZero)
    /// The order's business day.
    public var day = CalendarDay.earliest
    /// Its net value so far (minor units, after returns).
    public var amount = 0

    /// An empty record.
    public init() {}

    /// Visits the fields.
    public mutating func visit<V: RecordVisitor>(_ v: inout V) throws {
        try v.field(1, "customer", &customer)
        try v.field(2, "day", &day)
        try v.field(3, "amount", &amount)
    }
}

/// The purchase histories the RFM summary is computed from: a read model folded from
/// `OrderPlaced`, `OrderCancelled`, `OrderReturned` and `CustomersMerged`.
///
/// Only orders in the rules' currency count (as in every value figure of `CRMProjections`).
/// A cancelled order is taken off its day; a return lowers its day's value; a merge moves the
/// duplicate's occasions to the survivor. The model keeps the whole history; the summary as of
/// any calibration end and in any unit is a pure function of it
/// (``RFMSummary/init(histories:calibrationEnd:unit:)``).
public struct PurchaseHistoryModel: Sendable, Hashable {
    /// The currency whose orders count.
    public let currency: CurrencyCode
    /// Purchase occasions by customer.
    public private(set) var customers = RecordTable<CustomerID, CustomerPurchases>(tag: 0)
    /// Standing orders.
    public private(set) var orders = RecordTable<OrderID, OrderReference>(tag: 1)

    /// The event types folded.
    public static let eventTypes: [any CatalogEvent.Type] = [OrderPlaced.self, OrderCancelled.self, OrderReturned.self, CustomersMerged.self]

    /// An empty model counting orders in `currency`.
    public init(currency: CurrencyCode) { self.currency = currency }

    /// Restores a model from its entries.
    public init(currency: CurrencyCode, entries: [ReadModelEntry]) throws {
        self.currency = currency
        try customers.restore(from: entries)
        try orders.restore(from: entries)
    }

    /// The purchase history of `customer`.
    public func purchases(of customer: CustomerID) -> CustomerPurchases? { customers[customer] }

    /// Turns change tracking on or off.
    public mutating func setTracksChanges(_ on: Bool) {
        customers.tracksChanges = on
        orders.tracksChanges = on
    }

    /// Folds one event.
    public mutating func apply(_ event: DomainEvent, _ info: EventInfo) {
        switch event {
        case .orderPlaced(let e):
            guard e.total.currency == currency, orders[e.orderID] == nil else { return }
            let day = info.day, amount = Int(e.total.minorUnits)
            var reference = OrderReference()
            reference.customer = e.customerID
            reference.day = day
            reference.amount = amount
            orders.update(e.orderID, orInsert: reference) { _ in }
            customers.update(e.customerID, orInsert: Self.empty(e.customerID)) { $0.add(day: day, amount: amount, count: 1) }
        case .orderCancelled(let e):
            guard let reference = orders[e.orderID] else { return }
            orders.remove(e.orderID)
            customers.modify(reference.customer) { $0.remove(day: reference.day, amount: reference.amount, count: 1) }
            if customers[reference.customer]?.days.isEmpty == true { customers.remove(reference.customer) }
        case .orderReturned(let e):
            guard e.amount.currency == currency, let reference = orders[e.orderID] else { return }
            let returned = min(Int(e.amount.minorUnits), reference.amount)
            orders.modify(e.orderID) { $0.amount -= returned }
            customers.modify(reference.customer) { $0.remove(day: reference.day, amount: returned, count: 0) }
        case .customersMerged(let e):
            guard e.duplicateID != e.survivorID, let duplicate = customers[e.duplicateID] else { return }
            customers.remove(e.duplicateID)
            customers.update(e.survivorID, orInsert: Self.empty(e.survivorID)) { survivor in
                for (offset, day) in duplicate.days.enumerated() {
                    survivor.add(day: day, amount: duplicate.amounts[offset], count: duplicate.orders[offset])
                }
            }
            // Merges are rare: re-point the duplicate's orders by one scan.
            for (id, reference) in orders.records where reference.customer == e.duplicateID {
                orders.modify(id) { $0.customer = e.survivorID }
            }
        default:
            return
        }
    }

    private static func empty(_ customer: CustomerID) -> CustomerPurchases {
        var record = CustomerPurchases()
        record.customer = customer
        return record
    }

    /// The RFM summary as of `calibrationEnd` in `unit`.
    /// - Throws: ``PredictiveError/noPurchases(calibrationEnd:)`` when nobody bought by then.
    public func summary(calibrationEnd: CalendarDay, unit: TimeUnit) throws(PredictiveError) -> RFMSummary {
        try RFMSummary(histories: customers.records.values, calibrationEnd: calibrationEnd, unit: unit)
    }

    /// The latest purchase day of any customer, the default calibration end.
    public var latestPurchaseDay: CalendarDay? {
        customers.records.values.compactMap(\.days.last).max()
    }

    mutating func takeChanges(into entries: inout [ReadModelEntry]) {
        customers.takeChanges(into: &entries)
        orders.takeChanges(into: &entries)
    }

    func entries(into entries: inout [ReadModelEntry]) {
        customers.entries(into: &entries)
        orders.entries(into: &entries)
    }
}
